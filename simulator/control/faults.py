"""``/_sim/v1/faults``: add, list and remove injected fault rules."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from simulator.control.parsing import site_code
from simulator.faults.rules import parse_rule
from simulator.web.context import runtime

blueprint = Blueprint("faults", __name__, url_prefix="/v1")


def _site() -> str | None:
    site = request.args.get("site")
    return site_code(site) if site is not None else None


@blueprint.get("/faults")
def list_rules() -> Response:
    return jsonify({"faults": runtime().faults.rules(_site())})


@blueprint.post("/faults")
def add_rule() -> tuple[Response, int]:
    spec = parse_rule(request.get_json(silent=True))
    return jsonify(runtime().faults.add(spec)), 201


@blueprint.delete("/faults")
def clear_rules() -> tuple[str, int]:
    runtime().faults.clear(_site())
    return "", 204


@blueprint.delete("/faults/<rule_id>")
def remove_rule(rule_id: str) -> tuple[str, int]:
    runtime().faults.remove(rule_id)
    return "", 204
