"""The Testing Status page (``S/certification``) and the JSON form of a certification status."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from simulator.portal.certification import Evidence, OrganizationStatus, TypeStatus, describe
from simulator.web.context import runtime
from simulator.web.sessions import current_account, require_sign_in

blueprint = Blueprint("certification", __name__)
blueprint.before_request(require_sign_in)


def _evidence_json(evidence: Evidence) -> dict[str, Any]:
    return {
        "tracking_number": evidence.tracking_number,
        "received_at": evidence.received_at.isoformat(),
        "judged_at": evidence.judged_at.isoformat(),
        "outcome": evidence.outcome,
        "counted": evidence.counted,
        "finding": evidence.finding,
    }


def _type_json(status: TypeStatus) -> dict[str, Any]:
    return {
        "transaction_type": status.transaction_type,
        "status": status.status,
        "passes": status.passes,
        "needed": status.needed,
        "required": status.required,
        "set_by": status.set_by or None,
        "certified_at": status.certified_at.isoformat() if status.certified_at else None,
        "missing": status.missing or None,
        "evidence": [_evidence_json(evidence) for evidence in status.evidence],
    }


def organization_json(status: OrganizationStatus) -> dict[str, Any]:
    """CONTRACT §9's shape, with what a person needs besides: the findings and what is missing."""
    return {
        "organization": status.organization,
        "types": [_type_json(type_status) for type_status in status.types],
    }


@blueprint.get("/certification")
def testing_status() -> ResponseReturnValue:
    account = current_account()
    if account is None:
        raise RuntimeError("require_sign_in did not run")
    status = runtime().certification.of_account(account)
    required = runtime().certification.required_passes
    return render_template(
        "certification.html", account=account, status=status, describe=describe, required=required
    )
