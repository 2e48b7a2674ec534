"""The CAQH CORE Connectivity Rule vC2.2.0 envelope: its actions, fields, payload types and checks.

Both ways in (SOAP and MIME) parse a request into a :class:`CoreRequest`; this module knows
nothing of how it arrived. The envelope checks here are the rule's own (a field is present, has
the rule's form, the payload matches its length and SHA-1); every business rule stays in the
domain services.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from simulator.portal.identifiers import is_valid_pid_sl
from simulator.portal.transactions import TRANSACTION_TYPES, TransactionType
from simulator.x12.writer import MASSHEALTH_ID

CORE_NAMESPACE = "http://www.caqh.org/SOAP/WSDL/CORERule2.2.0.xsd"
WSDL_NAMESPACE = "http://www.caqh.org/SOAP/WSDL/"
RULE_VERSION = "2.2.0"
REAL_TIME = "RealTime"
BATCH = "Batch"
FILELIST = "FILELIST"
ACK_RETRIEVAL_TYPE = "X12_999_RetrievalRequest_005010X231A1"
ACK_SUBMISSION_TYPE = "X12_999_SubmissionRequest_005010X231A1"
ACK_999_TYPE = "X12_999_Response_005010X231A1"
TA1_TYPE = "X12_TA1_Response_00501X231A1"
SUCCESS = "Success"
MAX_PAYLOAD_ID = 100
UNSAFE_PAYLOAD_ID = re.compile(r"[/\\\x00-\x1f\x7f]")
CHECKSUM_PATTERN = re.compile(r"^[0-9A-Fa-f]{40}$")
X12_PAYLOAD_TYPE = re.compile(r"^X12_(?P<base>[0-9A-Z]+)_(?:Request|Response)_(?P<guide>\w+)$")


class Kind(Enum):
    """What an action does, whichever of its names (CORE or Generic) the client used."""

    REAL_TIME = "realtime"
    SUBMIT = "submit"
    ACK_RETRIEVAL = "ack_retrieval"
    RETRIEVAL = "retrieval"
    ACK_SUBMIT = "ack_submit"


@dataclass(frozen=True)
class Action:
    name: str
    kind: Kind
    request_element: str
    response_element: str


def _action(name: str, kind: Kind, request: str, response: str) -> Action:
    return Action(name, kind, f"COREEnvelope{request}", f"COREEnvelope{response}")


ACTIONS: tuple[Action, ...] = (
    _action("RealTimeTransaction", Kind.REAL_TIME, "RealTimeRequest", "RealTimeResponse"),
    _action("BatchSubmitTransaction", Kind.SUBMIT, "BatchSubmission", "BatchSubmissionResponse"),
    _action(
        "GenericBatchSubmissionTransaction",
        Kind.SUBMIT,
        "BatchSubmission",
        "BatchSubmissionResponse",
    ),
    _action(
        "BatchSubmitAckRetrievalTransaction",
        Kind.ACK_RETRIEVAL,
        "BatchSubmissionAckRetrievalRequest",
        "BatchSubmissionAckRetrievalResponse",
    ),
    _action(
        "BatchResultsRetrievalTransaction",
        Kind.RETRIEVAL,
        "BatchResultsRetrievalRequest",
        "BatchResultsRetrievalResponse",
    ),
    _action(
        "GenericBatchRetrievalTransaction",
        Kind.RETRIEVAL,
        "BatchResultsRetrievalRequest",
        "BatchResultsRetrievalResponse",
    ),
    _action(
        "BatchResultsAckSubmitTransaction",
        Kind.ACK_SUBMIT,
        "BatchResultsAckSubmission",
        "BatchResultsAckSubmissionResponse",
    ),
    _action(
        "GenericBatchReceiptConfirmationTransaction",
        Kind.ACK_SUBMIT,
        "BatchResultsAckSubmission",
        "BatchResultsAckSubmissionResponse",
    ),
)
ACTIONS_BY_NAME = {action.name: action for action in ACTIONS}
# The body element alone names the first action that takes it: both names do the same.
ACTIONS_BY_ELEMENT: dict[str, Action] = {}
for _each in ACTIONS:
    ACTIONS_BY_ELEMENT.setdefault(_each.request_element, _each)
ACTIONS_BY_KIND: dict[Kind, Action] = {}
for _each in ACTIONS:
    ACTIONS_BY_KIND.setdefault(_each.kind, _each)

# The envelope's fields in the rule's order; answers add ErrorCode and ErrorMessage.
FIELDS = (
    "PayloadType",
    "ProcessingMode",
    "PayloadID",
    "PayloadLength",
    "TimeStamp",
    "SenderID",
    "ReceiverID",
    "CORERuleVersion",
    "CheckSum",
    "Payload",
)
ALWAYS_REQUIRED = (
    "PayloadType",
    "ProcessingMode",
    "PayloadID",
    "TimeStamp",
    "SenderID",
    "ReceiverID",
    "CORERuleVersion",
)
WITH_PAYLOAD = frozenset(FIELDS)
# Which fields each answer carries, as the rule's schema gives them (the WSDL says the same).
ANSWER_FIELDS: dict[Kind, frozenset[str]] = {
    Kind.REAL_TIME: frozenset({*ALWAYS_REQUIRED, "Payload"}),
    Kind.SUBMIT: frozenset(ALWAYS_REQUIRED),
    Kind.ACK_RETRIEVAL: WITH_PAYLOAD,
    Kind.RETRIEVAL: WITH_PAYLOAD,
    Kind.ACK_SUBMIT: frozenset(ALWAYS_REQUIRED),
}
CARRIES_PAYLOAD = frozenset({Kind.REAL_TIME, Kind.SUBMIT, Kind.ACK_SUBMIT})


class CoreRefusalError(Exception):
    """A refusal in the rule's terms: its ``error_code`` and a sentence for a person.

    ``http_status`` 200 means the answer is the action's own response element carrying the
    code; anything else is answered as a fault (SOAP) or a refused form (MIME).
    """

    def __init__(self, error_code: str, message: str, http_status: int = 200) -> None:
        super().__init__(message)
        self.error_code = error_code
        self.message = message
        self.http_status = http_status


@dataclass
class CoreRequest:
    """One parsed request, whichever way it came; ``fields`` hold the envelope's text fields."""

    action: Action
    fields: dict[str, str]
    payload: bytes | None
    user_name: str
    password: str

    def get(self, name: str) -> str:
        return self.fields.get(name, "")

    @property
    def payload_id(self) -> str:
        return self.get("PayloadID")

    @property
    def sender_id(self) -> str:
        return self.get("SenderID")

    @property
    def payload_type(self) -> str:
        return self.get("PayloadType")


@dataclass
class CoreAnswer:
    """What is sent back: the echoed envelope fields, the outcome and maybe a payload."""

    action: Action
    fields: dict[str, str]
    error_code: str = SUCCESS
    error_message: str = ""
    payload: bytes | None = None
    payload_type: str | None = None

    def ordered_fields(self, now: datetime) -> list[tuple[str, str]]:
        """The answer's fields in the rule's order; ``("Payload", "")`` marks the payload's place.

        The answer comes from MassHealth to the sender: SenderID and ReceiverID swap.
        """
        values = {
            **{name: self.fields.get(name, "") for name in FIELDS},
            "PayloadType": self.payload_type or self.fields.get("PayloadType", ""),
            "ProcessingMode": REAL_TIME if self.action.kind is Kind.REAL_TIME else BATCH,
            "TimeStamp": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "SenderID": MASSHEALTH_ID,
            "ReceiverID": self.fields.get("SenderID", ""),
            "CORERuleVersion": RULE_VERSION,
            "PayloadLength": "",
            "CheckSum": "",
            "Payload": "",
        }
        if self.payload is not None:
            values["PayloadLength"] = str(len(self.payload))
            values["CheckSum"] = hashlib.sha1(self.payload).hexdigest()
        carried = ANSWER_FIELDS[self.action.kind]
        pairs = [
            (name, values[name])
            for name in FIELDS
            if name in carried
            and (values[name] or (name == "Payload" and self.payload is not None))
        ]
        return [*pairs, ("ErrorCode", self.error_code), ("ErrorMessage", self.error_message)]


def refused_answer(request: CoreRequest, refusal: CoreRefusalError) -> CoreAnswer:
    return CoreAnswer(request.action, request.fields, refusal.error_code, refusal.message)


def action_named(name: str) -> Action:
    """An action from a SOAPAction header or content-type parameter (a bare name or a URI)."""
    bare = re.split(r"[/#:]", name.strip().strip('"').strip())[-1]
    found = ACTIONS_BY_NAME.get(bare)
    if found is None:
        raise CoreRefusalError(
            "ActionIllegal",
            f"{bare!r} is not an action of CORE Rule 2.2.0; see the WSDL for the actions.",
            400,
        )
    return found


# -- checks ------------------------------------------------------------------------------------


def check_envelope(request: CoreRequest) -> None:
    """The rule's checks of the envelope's fields, in the rule's order; the first failure wins."""
    kind = request.action.kind
    for name in ALWAYS_REQUIRED:
        if not request.get(name):
            raise CoreRefusalError(f"{name}Required", f"The field {name} is required.")
    if kind in CARRIES_PAYLOAD and not request.payload:
        raise CoreRefusalError(
            "PayloadRequired", "The field Payload is required and must not be empty."
        )
    _check_processing_mode(request)
    _check_payload_id(request.payload_id)
    _check_time_stamp(request.get("TimeStamp"))
    if not is_valid_pid_sl(request.sender_id):
        raise CoreRefusalError(
            "SenderIDIllegal",
            f"SenderID {request.sender_id!r} is not a PID/SL: nine digits and a letter.",
        )
    if request.get("ReceiverID") != MASSHEALTH_ID:
        raise CoreRefusalError(
            "ReceiverIDIllegal", f"ReceiverID must be MassHealth's ID {MASSHEALTH_ID}."
        )
    if request.get("CORERuleVersion") != RULE_VERSION:
        raise CoreRefusalError(
            "VersionMismatch",
            f"CORERuleVersion {request.get('CORERuleVersion')!r} is not supported; "
            f"this server speaks {RULE_VERSION}.",
        )
    if request.payload is not None:
        _check_payload_length(request.get("PayloadLength"), request.payload)
        _check_checksum(request.get("CheckSum"), request.payload)


def _check_processing_mode(request: CoreRequest) -> None:
    wanted = REAL_TIME if request.action.kind is Kind.REAL_TIME else BATCH
    if request.get("ProcessingMode") != wanted:
        raise CoreRefusalError(
            "ProcessingModeIllegal",
            f"ProcessingMode must be {wanted} for {request.action.name}.",
        )


def _check_payload_id(payload_id: str) -> None:
    if len(payload_id) > MAX_PAYLOAD_ID or UNSAFE_PAYLOAD_ID.search(payload_id):
        raise CoreRefusalError(
            "PayloadIDIllegal",
            f"PayloadID must be 1 to {MAX_PAYLOAD_ID} characters without slashes or "
            "control characters (a UUID is usual).",
        )


def _check_time_stamp(value: str) -> None:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise CoreRefusalError(
            "TimeStampIllegal",
            f"TimeStamp {value!r} is not an XML Schema dateTime, e.g. 2026-01-15T09:30:00Z.",
        ) from None


def _check_payload_length(given: str, payload: bytes) -> None:
    if not given:
        return
    if not given.isascii() or not given.isdigit():
        raise CoreRefusalError("PayloadLengthIllegal", f"PayloadLength {given!r} is not a number.")
    if int(given) != len(payload):
        raise CoreRefusalError(
            "PayloadLengthIllegal",
            f"PayloadLength says {given} bytes but the payload has {len(payload)}.",
        )


def _check_checksum(given: str, payload: bytes) -> None:
    if not given:
        return
    if not CHECKSUM_PATTERN.match(given):
        raise CoreRefusalError(
            "CheckSumIllegal", "CheckSum must be the SHA-1 of the payload in 40 hex digits."
        )
    actual = hashlib.sha1(payload).hexdigest()  # the rule's checksum
    if given.lower() != actual:
        raise CoreRefusalError(
            "ChecksumMismatched",
            f"CheckSum {given} is not the SHA-1 of the payload received ({actual}); "
            "the payload may have been changed or cut off on the way.",
        )


# -- payload types -----------------------------------------------------------------------------

# The rule's spelling of TA1, whose guide our registry gives only as the version.
GUIDE_OVERRIDES = {"TA1": "00501X231A1"}


def _base(transaction: TransactionType) -> str:
    """The X12 transaction set of a type: ``837P`` is an 837, ``834D`` an 834."""
    return transaction.code if transaction.code == "TA1" else transaction.code[:3]


def core_payload_type(transaction: TransactionType, role: str) -> str:
    """The rule's name of a type, e.g. ``X12_271_Response_005010X279A1``; others their code."""
    if not transaction.is_x12:
        return transaction.code
    guide = GUIDE_OVERRIDES.get(transaction.code, transaction.x12_version)
    return f"X12_{_base(transaction)}_{role}_{guide}"


SUBMISSION_TYPES: dict[str, str] = {
    core_payload_type(t, "Request"): t.code
    for t in TRANSACTION_TYPES
    if t.direction == "upload" and t.is_x12 and t.offered_through("core")
}
REAL_TIME_TYPES = {name: code for name, code in SUBMISSION_TYPES.items() if code in {"270", "276"}}


# A listed file's PayloadType -> the download type it names (834 for the daily and monthly too).
RESPONSE_CODES: dict[str, str] = {}
for _type in TRANSACTION_TYPES:
    if _type.direction == "download":
        RESPONSE_CODES.setdefault(core_payload_type(_type, "Response"), _type.code)


def submission_type(payload_type: str) -> str:
    """The upload type a batch PayloadType names."""
    found = SUBMISSION_TYPES.get(payload_type)
    if found is None:
        raise CoreRefusalError(
            "PayloadTypeIllegal",
            f"PayloadType {payload_type!r} cannot be submitted; accepted: "
            + ", ".join(sorted(SUBMISSION_TYPES))
            + ".",
        )
    return found


def real_time_type(payload_type: str) -> str:
    found = REAL_TIME_TYPES.get(payload_type)
    if found is None:
        raise CoreRefusalError(
            "PayloadTypeIllegal",
            f"PayloadType {payload_type!r} is not answered in real time; accepted: "
            + ", ".join(sorted(REAL_TIME_TYPES))
            + ".",
        )
    return found


def same_payload_type(asked: str, listed: str) -> bool:
    """Whether a retrieval's PayloadType names a listed type, in its request or response form."""
    return asked.replace("_Request_", "_Response_") == listed.replace("_Request_", "_Response_")


def looks_like_payload_type(value: str) -> bool:
    return bool(X12_PAYLOAD_TYPE.match(value)) or value.isalnum()
