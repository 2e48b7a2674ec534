"""Login and logout pages."""

from __future__ import annotations

from flask import Blueprint, render_template

from simulator.web.forms import LoginForm

blueprint = Blueprint("auth", __name__)


@blueprint.get("/login")
def login() -> str:
    return render_template("login.html", form=LoginForm())
