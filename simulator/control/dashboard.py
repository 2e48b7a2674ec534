"""``/_sim/``: the control API's own page, to watch and steer a run from a browser.

The pages carry no data: their script reads and changes everything through ``/_sim/v1``, with
the admin token the person types in (sent as ``Authorization: Bearer``), so the dashboard has
no second way into the simulator and obeys the token exactly as any harness does.
"""

from __future__ import annotations

from flask import Blueprint, render_template

from simulator.faults.actions import ACTIONS, CHANNELS, OPERATIONS
from simulator.sites import SITES

blueprint = Blueprint(
    "dashboard",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/dashboard-static",
)


@blueprint.get("/")
def overview() -> str:
    return render_template(
        "dashboard.html",
        sites=SITES.values(),
        channels=CHANNELS,
        operations=sorted(OPERATIONS),
        actions=sorted(ACTIONS),
    )


@blueprint.get("/batches/<site>/<tracking_number>")
def batch(site: str, tracking_number: str) -> str:
    return render_template("dashboard_batch.html", site=site, tracking_number=tracking_number)
