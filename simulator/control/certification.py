"""``/_sim/v1/certification``: every organization's testing status, and what Customer Services
sets by hand."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from simulator.control.parsing import field, json_object, site_code
from simulator.portal.errors import InvalidRequestError
from simulator.sites import SITES, TESTING_SITE
from simulator.web.certification import organization_json
from simulator.web.context import runtime

blueprint = Blueprint("certification", __name__, url_prefix="/v1")


@blueprint.get("/certification")
def read() -> Response:
    """``site`` is the site where testing happens (the only one that keeps standings)."""
    site = site_code(request.args.get("site", TESTING_SITE.code))
    if not SITES[site].tests_partners:
        raise InvalidRequestError(
            f"site: certification is earned on the {TESTING_SITE.name} site "
            f"(site={TESTING_SITE.code}); the {SITES[site].name} site keeps none."
        )
    organization = request.args.get("organization") or None
    statuses = runtime().certification.organizations(organization)
    return jsonify({"organizations": [organization_json(status) for status in statuses]})


@blueprint.post("/certification")
def set_by_hand() -> Response:
    """``{organization, transaction_type, certified}``: holds until uploads move it on."""
    body = json_object()
    status = runtime().certification.set_by_hand(
        field(body, "organization", str),
        field(body, "transaction_type", str),
        field(body, "certified", bool),
    )
    return jsonify(organization_json(status))
