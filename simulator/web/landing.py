"""The "Web-Based MassHealth Transactions" page at ``/`` with its two site links."""

from __future__ import annotations

from flask import Blueprint, render_template

from simulator.sites import SITES

blueprint = Blueprint("landing", __name__)


@blueprint.get("/")
def landing() -> str:
    return render_template("landing.html", sites=list(SITES.values()))
