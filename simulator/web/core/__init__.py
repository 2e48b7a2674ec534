"""The CAQH CORE door (``S/core``): SOAP 1.2 with its WSDL, and HTTP MIME multipart.

Views parse, call :mod:`simulator.web.core.domain`, and render; nothing here decides a
business rule. Every refusal is an answer in the rule's terms, never an HTML error page.
"""

from __future__ import annotations

from importlib.resources import files

from flask import Request, Response, request, url_for
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge

from simulator.errors import RefusalError
from simulator.web.context import runtime, site
from simulator.web.core import mime, soap
from simulator.web.core.domain import (
    carry_out,
    core_refusal,
    declare,
    declare_unread,
    refusal_for,
    sign_in,
)
from simulator.web.core.envelope import (
    CoreAnswer,
    CoreRefusalError,
    CoreRequest,
    check_envelope,
    refused_answer,
)
from simulator.web.journaling import note_outcome
from simulator.web.operations import IN_BODY, Door
from simulator.web.refusals import RefusalAnswer, register_form
from simulator.web.uploads import MULTIPART_OVERHEAD

blueprint = Door("core", __name__, channel="core", url_prefix="/core")
WSDL_TEMPLATE = files(__package__).joinpath("core.wsdl").read_text(encoding="utf-8")


@blueprint.get("/soap")
def wsdl() -> Response:
    """The WSDL, with this site's address; any GET of the endpoint gets it."""
    location = url_for("core.soap_call", _external=True)
    text = WSDL_TEMPLATE.replace("{location}", location)
    return Response(text, mimetype="text/xml")


@blueprint.post("/soap", operation=IN_BODY)
def soap_call() -> Response:
    try:
        body = _body(request)
        parsed = soap.read_request(
            request.headers.get("Content-Type", ""), request.headers.get("SOAPAction"), body
        )
    except CoreRefusalError as refusal:
        declare_unread()
        note_outcome(refusal.error_code)
        return _send(soap.render_fault(refusal), refusal.http_status)
    answer = _answer(parsed)
    if isinstance(answer, Response):
        return answer
    if isinstance(answer, CoreRefusalError):
        return _send(soap.render_fault(answer), answer.http_status)
    return _send(soap.render_answer(answer, runtime().clock.now()), 200)


@blueprint.post("/mime", operation=IN_BODY)
def mime_call() -> Response:
    try:
        _limit(request)
        if request.mimetype != "multipart/form-data":
            raise CoreRefusalError(
                "EnvelopeIllegal",
                "Send multipart/form-data with the CORE fields as parts; SOAP goes to core/soap.",
                400,
            )
        parsed = mime.read_request(request.form, request.files)
    except (RequestEntityTooLarge, BadRequest, CoreRefusalError) as problem:
        refusal = _transport_refusal(problem)
        declare_unread()
        note_outcome(refusal.error_code)
        return _send(mime.render_refusal(refusal), refusal.http_status)
    answer = _answer(parsed)
    if isinstance(answer, Response):
        return answer
    if isinstance(answer, CoreRefusalError):
        refused = mime.render_answer(refused_answer(parsed, answer), runtime().clock.now())
        return _send(refused, answer.http_status)
    return _send(mime.render_answer(answer, runtime().clock.now()), 200)


def _answer(parsed: CoreRequest) -> CoreAnswer | CoreRefusalError | Response:
    """The action's answer, a refusal to send as a fault (anything but HTTP 200), or the
    answer of a transport fault rule that fired on the call."""
    instead = declare(parsed)
    if instead is not None:
        return instead
    try:
        account = sign_in(parsed)
        check_envelope(parsed)
        answer = carry_out(account, parsed)
    except RefusalError as error:
        refusal = refusal_for(error)
    except CoreRefusalError as refused:
        refusal = refused
        note_outcome(refusal.error_code)
    else:
        return answer
    if refusal.http_status == 200:
        return refused_answer(parsed, refusal)
    return refusal


def _limit(incoming: Request) -> None:
    """Room for the largest upload base64-encoded inline, and the envelope around it."""
    largest = runtime().settings.site(site().code).max_upload_bytes
    incoming.max_content_length = largest * 4 // 3 + MULTIPART_OVERHEAD


def _body(incoming: Request) -> bytes:
    try:
        _limit(incoming)
        return incoming.get_data(cache=False)
    except RequestEntityTooLarge as error:
        raise _transport_refusal(error) from None


def _transport_refusal(problem: Exception) -> CoreRefusalError:
    if isinstance(problem, CoreRefusalError):
        return problem
    if isinstance(problem, RequestEntityTooLarge):
        largest = runtime().settings.site(site().code).max_upload_bytes
        return CoreRefusalError(
            "PayloadLengthIllegal",
            f"The request is larger than the upload limit of {largest:,} bytes allows.",
            413,
        )
    return CoreRefusalError("EnvelopeIllegal", "The multipart body is cut off or malformed.", 400)


def _send(rendered: soap.Rendered, status: int) -> Response:
    response = Response(rendered.body, status=status, content_type=rendered.content_type)
    if status == 401:  # the credentials travel in the message, not in an HTTP header
        response.headers["WWW-Authenticate"] = 'UsernameToken realm="MassHealth POSC CORE"'
    return response


def _core_form(refusal: RefusalAnswer) -> Response:
    """Refusals the views did not answer themselves (transport faults, routing errors, bugs):
    a SOAP fault, or a refused MIME form, with the refusal's own status."""
    rule = core_refusal(refusal.code, refusal.message)
    answered = CoreRefusalError(rule.error_code, refusal.message, refusal.status)
    if request.path.endswith("/mime"):
        return _send(mime.render_refusal(answered), refusal.status)
    return _send(soap.render_fault(answered), refusal.status)


register_form("core", _core_form)
