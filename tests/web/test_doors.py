"""A door plugs into the shared machinery: its own refusal form, its operation read from the body.

This is what the CORE door does (one URL, the action inside the envelope): a probe door stands
in for it here, so the interface is proven without it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask, Response, request
from flask.typing import ResponseReturnValue
from werkzeug.test import Client

from simulator.errors import InvalidRequestError
from simulator.faults.rules import parse_rule
from simulator.portal.journal import JournalQuery
from simulator.runtime import Runtime
from simulator.sites import SITES
from simulator.web.operations import IN_BODY, Door
from simulator.web.refusals import RefusalAnswer, register_form
from simulator.web.site import SITE_HEADER, create_site_app
from simulator.web.transport import TransportFaults, declare_operation

probe = Door("probe", __name__, channel="probe", url_prefix="/probe")


@probe.post("/one", operation=IN_BODY)
def one() -> ResponseReturnValue:
    """The body names the operation, as a SOAP envelope names its action."""
    instead = declare_operation(request.get_data(as_text=True), user_id="ALICE01")
    if instead is not None:
        return instead
    raise InvalidRequestError("The probe refuses everything it reads.")


def probe_form(refusal: RefusalAnswer) -> Response:
    return Response(
        f"<Fault>{refusal.code}</Fault>", status=refusal.status, mimetype="application/soap+xml"
    )


register_form("probe", probe_form)


@pytest.fixture
def site_app(runtime: Runtime) -> Flask:
    app = create_site_app(runtime, SITES["test"], "secret")
    app.register_blueprint(probe)
    return app


@pytest.fixture
def http(site_app: Flask, runtime: Runtime) -> Iterator[Client]:
    yield Client(TransportFaults(site_app, "test", runtime.faults, runtime.journal, SITE_HEADER))
    runtime.faults.clear()


def test_a_door_answers_refusals_in_its_own_form(http: Client, runtime: Runtime) -> None:
    refused = http.post("/probe/one", data="upload")
    assert (refused.status_code, refused.get_data(as_text=True)) == (
        400,
        "<Fault>invalid_request</Fault>",
    )
    missing = http.get("/probe/nope")
    assert (missing.status_code, missing.get_data(as_text=True)) == (
        404,
        "<Fault>not_found</Fault>",
    )
    assert http.get("/api/v1/nope").get_json()["error"]["code"] == "not_found"
    entry = runtime.journal.entries(JournalQuery(site="test"))[-1]
    assert (entry["operation"], entry["outcome"]) == ("upload", "invalid_request")


def test_a_door_that_declares_its_operation_meets_its_transport_faults(
    http: Client, runtime: Runtime
) -> None:
    rule = runtime.faults.add(
        parse_rule(
            {"operation": "realtime", "action": {"type": "error", "status": 503, "retry_after": 5}}
        )
    )
    assert http.post("/probe/one", data="upload").status_code == 400
    answered = http.post("/probe/one", data="realtime")
    assert (answered.status_code, answered.get_data(as_text=True)) == (
        503,
        "<Fault>site_unavailable</Fault>",
    )
    assert answered.headers["Retry-After"] == "5"
    assert answered.headers[SITE_HEADER] == "test"
    kept = runtime.faults.rules()[0]
    assert (kept["id"], kept["matched"], kept["fired"]) == (rule["id"], 1, 1)


def test_a_rule_on_any_operation_meets_a_door_request_once(http: Client, runtime: Runtime) -> None:
    runtime.faults.add(parse_rule({"operation": "any", "action": {"type": "delay", "ms": 1}}))
    http.post("/probe/one", data="realtime")
    assert runtime.faults.rules()[0]["matched"] == 1
