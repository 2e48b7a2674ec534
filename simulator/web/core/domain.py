"""Every call the CORE door makes into the domain, in one place.

Each action is what the pages and the JSON API already do, through the same services: signing
in (lockout, expiry and forced change included), an upload, a batch's status, the download
list and a download. Domain refusals become the rule's error codes through one table.
"""

from __future__ import annotations

from datetime import datetime
from xml.sax.saxutils import escape

from flask import Response, g

from simulator.errors import RefusalError
from simulator.faults.scope import RequestScope
from simulator.faults.scope import declare as declare_scope
from simulator.portal.access import AccountView
from simulator.portal.batches import IncomingFile
from simulator.portal.files import MAX_FILES_LIMIT, FileSearch, FileView
from simulator.portal.transactions import download_type, download_types
from simulator.web.context import runtime, site
from simulator.web.core.envelope import (
    ACK_999_TYPE,
    FILELIST,
    SUBMISSION_TYPES,
    TA1_TYPE,
    CoreAnswer,
    CoreRefusalError,
    CoreRequest,
    Kind,
    core_payload_type,
    real_time_type,
    same_payload_type,
    submission_type,
)
from simulator.web.journaling import note_outcome, note_subject
from simulator.web.transport import declare_operation
from simulator.web.uploads import PENDING_KEY

# A domain refusal's code -> the rule's ErrorCode and the HTTP status of the answer. 200: the
# action's own answer carries the code; anything else is a fault (SOAP) or refused form (MIME).
REFUSALS: dict[str, tuple[str, int]] = {
    "invalid_credentials": ("UnAuthorized", 401),
    "account_locked": ("UnAuthorized", 401),
    "password_change_required": ("UnAuthorized", 401),
    "password_expired": ("UnAuthorized", 401),
    "session_expired": ("UnAuthorized", 401),
    "provider_not_authorized": ("SenderIDIllegal", 200),
    "certification_required": ("UnAuthorized", 403),  # CONTRACT §9: not yet for this type
    "unknown_transaction_type": ("PayloadTypeIllegal", 200),
    "transaction_type_not_in_use": ("PayloadTypeIllegal", 200),
    "empty_upload": ("PayloadRequired", 200),
    "too_many_files": ("PayloadIllegal", 200),
    "upload_too_large": ("PayloadLengthIllegal", 413),
    "not_found": ("PayloadIDIllegal", 200),
    "site_unavailable": ("ServiceUnavailable", 503),
}
OTHER_REFUSAL = ("PayloadIllegal", 200)  # what is left is about the payload's content
OPERATIONS = {
    Kind.REAL_TIME: "realtime",
    Kind.SUBMIT: "upload",
    Kind.ACK_RETRIEVAL: "download",
    Kind.RETRIEVAL: "download",
    Kind.ACK_SUBMIT: "acknowledge",
}


def refusal_for(error: RefusalError) -> CoreRefusalError:
    note_outcome(error.code)
    return core_refusal(error.code, error.message)


def core_refusal(code: str, message: str) -> CoreRefusalError:
    """A refusal of the contract's ``code`` in the rule's terms, with its HTTP status."""
    error_code, status = REFUSALS.get(code, OTHER_REFUSAL)
    return CoreRefusalError(error_code, message, status)


def declare(request: CoreRequest) -> Response | None:
    """Name the call's operation for faults and the journal; an answer to give instead, if any.

    Declared before the credentials are checked, so ``lockout`` and ``force_password_change``
    rules of the operation act on it, and transport rules (``match.channel: core``) too.
    """
    kind = request.action.kind
    operation = OPERATIONS[kind]
    if kind is Kind.RETRIEVAL and request.payload_type == FILELIST:
        operation = "search"
    transaction_type = None
    if kind in (Kind.SUBMIT, Kind.REAL_TIME):
        transaction_type = SUBMISSION_TYPES.get(request.payload_type)
    return declare_operation(
        operation,
        user_id=request.user_name or None,
        provider_id=request.sender_id or None,
        transaction_type=transaction_type,
    )


def declare_unread() -> None:
    """A call refused before its action was read: journaled, as operation ``any``."""
    declare_scope(RequestScope("core", "any"))


def sign_in(request: CoreRequest) -> AccountView:
    """The account of the request's credentials, under every rule of the login page."""
    if not request.user_name:
        raise CoreRefusalError(
            "UnAuthorized",
            "Credentials are required: a WS-Security UsernameToken (SOAP) or the UserName and "
            "Password parts (MIME), with your submitter ID and password.",
            401,
        )
    note_subject(user_id=request.user_name)
    account = runtime().accounts.authenticate_call(site().code, request.user_name, request.password)
    g.account = account
    account.require_usable_password()
    return account


def carry_out(account: AccountView, request: CoreRequest) -> CoreAnswer:
    """Do what the action asks for the request's sender."""
    note_subject(provider_id=request.sender_id)
    account.provider(request.sender_id)
    kind = request.action.kind
    if kind is Kind.SUBMIT:
        return _submit(account, request)
    if kind is Kind.ACK_RETRIEVAL:
        return _acknowledgment(account, request)
    if kind is Kind.RETRIEVAL and request.payload_type == FILELIST:
        return _file_list(account, request)
    if kind is Kind.RETRIEVAL:
        return _retrieve(account, request)
    if kind is Kind.ACK_SUBMIT:
        return _keep_acknowledgment(account, request)
    return _real_time(account, request)


def _real_time(account: AccountView, request: CoreRequest) -> CoreAnswer:
    """The 271 or 277 (or the 999 or TA1 that refuses the request), inside the exchange.

    Nothing is kept, so the journal entry names no tracking number: there is no batch and no
    file in the download list that a tracking number could lead to.
    """
    real_time_type(request.payload_type)
    answer = runtime().realtime.answer(
        site().code, account, request.sender_id, request.payload or b""
    )
    return CoreAnswer(
        request.action,
        request.fields,
        payload=answer.content,
        payload_type=core_payload_type(download_type(answer.transaction_type), "Response"),
    )


def _submit(account: AccountView, request: CoreRequest) -> CoreAnswer:
    """Exactly an API upload of one file named after the PayloadID; the tracking number back."""
    transaction_type = submission_type(request.payload_type)
    blob = runtime().blobs.pending(site().code)
    g.setdefault(PENDING_KEY, []).append(blob)  # discarded at the request's end unless kept
    blob.write(request.payload or b"")
    receipt = runtime().batches.receive(
        account,
        request.sender_id,
        transaction_type,
        [IncomingFile(request.payload_id, blob)],
        channel="core",
    )
    note_subject(tracking_number=receipt.tracking_number)
    return CoreAnswer(request.action, request.fields, error_message=receipt.tracking_number or "")


def _acknowledgment(account: AccountView, request: CoreRequest) -> CoreAnswer:
    """The 999 (or, where there is none, the TA1) of the submission named by its PayloadID."""
    status = runtime().batches.submission(account, request.sender_id, request.payload_id)
    note_subject(tracking_number=status.tracking_number)
    by_type = {view.transaction_type: view for view in status.response_files}
    found = by_type.get("999") or by_type.get("TA1")
    if found is None:
        return CoreAnswer(
            request.action,
            request.fields,
            error_message=(
                f"The acknowledgment of PayloadID {request.payload_id} (tracking number "
                f"{status.tracking_number}) is not available yet; ask again later."
            ),
        )
    view, content = _download(account, found.file_id, request.sender_id, [found.transaction_type])
    payload_type = ACK_999_TYPE if view.transaction_type == "999" else TA1_TYPE
    return CoreAnswer(
        request.action,
        request.fields,
        error_message=status.tracking_number,
        payload=content,
        payload_type=payload_type,
    )


def _file_list(account: AccountView, request: CoreRequest) -> CoreAnswer:
    """The sender's download list, as on the download page, as a FileList document."""
    criteria = FileSearch(provider_id=request.sender_id, max_files=MAX_FILES_LIMIT)
    _, files = runtime().files.search(account, criteria)
    listing = "".join(_listed(view) for view in files)
    payload = f'<?xml version="1.0" encoding="UTF-8"?><FileList>{listing}</FileList>'.encode()
    return CoreAnswer(request.action, request.fields, payload=payload, payload_type=FILELIST)


def listed_payload_type(view: FileView) -> str:
    return core_payload_type(download_type(view.transaction_type), "Response")


def _listed(view: FileView) -> str:
    downloaded = _instant(view.date_last_downloaded) if view.date_last_downloaded else ""
    return (
        f"<File><PayloadType>{escape(listed_payload_type(view))}</PayloadType>"
        f"<PayloadID>{escape(view.file_id)}</PayloadID>"
        f"<FileName>{escape(view.file_name)}</FileName>"
        f"<DateAvailable>{_instant(view.date_available)}</DateAvailable>"
        f"<DateLastDownloaded>{downloaded}</DateLastDownloaded></File>"
    )


def _instant(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _retrieve(account: AccountView, request: CoreRequest) -> CoreAnswer:
    """A listed file by its PayloadID, of the type asked (request or response spelling)."""
    types = [
        t.code
        for t in download_types()
        if same_payload_type(request.payload_type, core_payload_type(t, "Response"))
    ]
    if not types:
        raise CoreRefusalError(
            "PayloadTypeIllegal",
            f"PayloadType {request.payload_type!r} names no kind of file to retrieve; "
            f"ask for {FILELIST} to see the files and their payload types.",
        )
    view, content = _download(account, request.payload_id, request.sender_id, types)
    return CoreAnswer(
        request.action,
        request.fields,
        error_message=view.file_name,
        payload=content,
        payload_type=listed_payload_type(view),
    )


def _download(
    account: AccountView, file_id: str, provider_id: str, types: list[str]
) -> tuple[FileView, bytes]:
    view, handle = runtime().files.download(account, file_id, provider_id, types)
    note_subject(tracking_number=view.tracking_number)
    with handle:
        return view, handle.read()


def _keep_acknowledgment(account: AccountView, request: CoreRequest) -> CoreAnswer:
    if "999" not in request.payload_type:
        raise CoreRefusalError(
            "PayloadTypeIllegal",
            f"PayloadType {request.payload_type!r} is not a 999; "
            "acknowledge a retrieved file with X12_999_SubmissionRequest_005010X231A1.",
        )
    runtime().files.keep_acknowledgment(account, request.sender_id, request.payload or b"")
    return CoreAnswer(request.action, request.fields)
