"""The fault catalogue: every operation, every channel, and every action type, registered by name.

Like Toxiproxy's registered toxics or WireMock's ``Fault``, an action type is data: its name,
its parameters (with their checks), the operations it can act in, and where it acts. The rule
parser (``simulator.faults.rules``), the OpenAPI document of the control API and the services
that carry faults out all read this one registry, so a rule is accepted only where some part
of the simulator will act on it.

Where an action acts:

- ``transport``: the WSGI middleware of each site (``simulator.web.transport``), before the
  site reads the request, or, for a door whose operation is only known from the body (CORE),
  as soon as the door declares it.
- ``portal``: the domain service that owns the behaviour asks for it (accounts, batches).
- ``processing``: the job that makes response files asks for it.

A new action type is one :func:`register` call here, plus the code that carries it out at its
``acts_in`` place, asking ``FaultService.fire`` with :func:`kinds` of that place.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

MAX_COUNT = 1_000_000_000


class ActsIn(StrEnum):
    TRANSPORT = "transport"
    PORTAL = "portal"
    PROCESSING = "processing"


# Each operation with the channels (ways in) it can be reached through; ``process`` has none:
# it is the making of response files, after the request that caused it has been answered.
OPERATION_CHANNELS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "login": frozenset({"web", "api", "core"}),
        "password_change": frozenset({"web", "api"}),
        "password_reset": frozenset({"web"}),
        "profile": frozenset({"web", "api"}),
        "upload": frozenset({"web", "api", "core"}),
        "status": frozenset({"api", "core"}),
        "search": frozenset({"web", "api", "core"}),
        "download": frozenset({"web", "api", "core"}),
        "realtime": frozenset({"core"}),
        "process": frozenset(),
        "any": frozenset({"web", "api", "core"}),
    }
)
OPERATIONS = frozenset(OPERATION_CHANNELS)
CHANNELS = ("web", "api", "core")
# Operations a request can be, where transport faults act: every one but ``process``.
REQUEST_OPERATIONS = frozenset(name for name, ways in OPERATION_CHANNELS.items() if ways)
# Operations that check a user's credentials (the login page, every API and CORE call) or web
# session (every page of a signed-in user).
CREDENTIAL_OPERATIONS = REQUEST_OPERATIONS - {"password_reset"}
SESSION_OPERATIONS = CREDENTIAL_OPERATIONS - {"login"}
# Operations that make X12 answers: the response files of an upload, a CORE real-time answer.
ANSWERING_OPERATIONS = frozenset({"process", "realtime"})


@dataclass(frozen=True)
class Parameter:
    """One parameter of an action: a whole number from 0 to ``maximum``, or text.

    ``allowed`` narrows the values further; ``expected`` then says what is allowed.
    """

    name: str
    kind: type[int] | type[str]
    description: str
    required: bool = True
    maximum: int = MAX_COUNT
    allowed: Callable[[Any], bool] | None = None
    expected: str = ""
    schema: Mapping[str, Any] = field(default_factory=dict)

    def problem(self, value: Any) -> str | None:
        """What is wrong with ``value``, in a sentence after ``action.<name>:``; else ``None``."""
        if not isinstance(value, self.kind) or isinstance(value, bool):
            return f"expected {self.kind.__name__}."
        if isinstance(value, int) and not 0 <= value <= self.maximum:
            return f"expected a whole number from 0 to {self.maximum}."
        if self.allowed is not None and not self.allowed(value):
            return f"expected {self.expected}."
        return None

    def json_schema(self) -> dict[str, Any]:
        if self.kind is int:
            base: dict[str, Any] = {"type": "integer", "minimum": 0, "maximum": self.maximum}
        else:
            base = {"type": "string"}
        return {**base, **self.schema, "description": self.description}


@dataclass(frozen=True)
class ActionType:
    """An action a rule can take: where it acts, in which operations, with which parameters."""

    name: str
    acts_in: ActsIn
    operations: frozenset[str]
    description: str
    parameters: tuple[Parameter, ...] = ()

    def can_act_in(self, operation: str) -> bool:
        return operation == "any" or operation in self.operations

    def json_schema(self) -> dict[str, Any]:
        """The action's entry in the OpenAPI document."""
        return {
            "description": self.description,
            "acts_in": str(self.acts_in),
            "operations": sorted(self.operations),
            "parameters": {
                parameter.name: {**parameter.json_schema(), "required": parameter.required}
                for parameter in self.parameters
            },
        }


_REGISTRY: dict[str, ActionType] = {}
ACTIONS: Mapping[str, ActionType] = MappingProxyType(_REGISTRY)


def register(action: ActionType) -> ActionType:
    """Add an action type to the catalogue; a name is registered once."""
    if action.name in _REGISTRY:
        raise ValueError(f"the fault action {action.name!r} is registered already")
    unknown = action.operations - OPERATIONS
    if unknown:
        raise ValueError(f"{action.name}: unknown operations {sorted(unknown)}")
    _REGISTRY[action.name] = action
    return action


def kinds(acts_in: ActsIn, *names: str) -> frozenset[str]:
    """What a call site at ``acts_in`` carries out: ``names``, or every action acting there.

    A name that is not registered as acting at ``acts_in`` is a mistake in the code, and
    fails at once rather than never firing.
    """
    here = {name for name, action in _REGISTRY.items() if action.acts_in is acts_in}
    strays = set(names) - here
    if strays:
        raise ValueError(f"not fault actions of {acts_in}: {sorted(strays)}")
    return frozenset(names or here)


def _three_digits(value: str) -> bool:
    return re.fullmatch(r"[0-9]{3}", value) is not None


_ERROR_STATUSES = (500, 502, 503, 504)

for _action in (
    ActionType(
        "lockout",
        ActsIn.PORTAL,
        CREDENTIAL_OPERATIONS,
        "The account is locked, as after too many wrong passwords.",
    ),
    ActionType(
        "force_password_change",
        ActsIn.PORTAL,
        CREDENTIAL_OPERATIONS,
        "The user must change the password before anything else.",
    ),
    ActionType(
        "session_expired",
        ActsIn.PORTAL,
        SESSION_OPERATIONS,
        "The web session ends (back to the login page); an API call answers session_expired.",
    ),
    ActionType(
        "reject_oversize",
        ActsIn.PORTAL,
        frozenset({"upload"}),
        "The upload is refused as too large, whatever its size.",
    ),
    ActionType(
        "omit_tracking_number",
        ActsIn.PORTAL,
        frozenset({"upload"}),
        "The upload answers success with no tracking number, and nothing is kept.",
    ),
    ActionType(
        "duplicate_tracking_number",
        ActsIn.PORTAL,
        frozenset({"upload"}),
        "The upload's answer carries a tracking number already given out.",
    ),
    ActionType(
        "error",
        ActsIn.TRANSPORT,
        REQUEST_OPERATIONS,
        "The request is answered with that HTTP error instead.",
        (
            Parameter(
                "status",
                int,
                "The HTTP status to answer.",
                allowed=lambda value: value in _ERROR_STATUSES,
                expected="500, 502, 503 or 504",
                schema={"enum": list(_ERROR_STATUSES)},
            ),
            Parameter(
                "retry_after",
                int,
                "Seconds for a Retry-After header.",
                required=False,
                maximum=86_400,
            ),
        ),
    ),
    ActionType(
        "delay",
        ActsIn.TRANSPORT,
        REQUEST_OPERATIONS,
        "The answer comes late.",
        (
            Parameter("ms", int, "Milliseconds to wait.", maximum=600_000),
            Parameter(
                "jitter_ms",
                int,
                "Up to this many more milliseconds, drawn.",
                required=False,
                maximum=600_000,
            ),
        ),
    ),
    ActionType(
        "reset_connection",
        ActsIn.TRANSPORT,
        REQUEST_OPERATIONS,
        "The connection is closed with no answer (a TCP reset).",
    ),
    ActionType(
        "truncate_body",
        ActsIn.TRANSPORT,
        REQUEST_OPERATIONS,
        "The answer stops after that many bytes and the connection closes.",
        (Parameter("bytes", int, "Bytes of the body to send.", maximum=2**31),),
    ),
    ActionType(
        "maintenance",
        ActsIn.TRANSPORT,
        REQUEST_OPERATIONS,
        "The site answers 503 with a maintenance page.",
    ),
    ActionType(
        "reject_999",
        ActsIn.PROCESSING,
        ANSWERING_OPERATIONS,
        "The 999 rejects every transaction set.",
    ),
    ActionType(
        "ta1_reject",
        ActsIn.PROCESSING,
        ANSWERING_OPERATIONS,
        "A TA1 rejects the interchange, with that TA105 note code.",
        (
            Parameter(
                "note_code",
                str,
                "The TA105 note code.",
                allowed=_three_digits,
                expected="a three-digit TA1 note code",
                schema={"pattern": "^[0-9]{3}$"},
            ),
        ),
    ),
    ActionType(
        "delay_response",
        ActsIn.PROCESSING,
        frozenset({"process"}),
        "Response files become available that much later (simulated clock).",
        (Parameter("seconds", int, "Seconds of simulated time.", maximum=366 * 86_400),),
    ),
    ActionType(
        "drop_response",
        ActsIn.PROCESSING,
        frozenset({"process"}),
        "No response file is ever made.",
    ),
    ActionType(
        "corrupt_response",
        ActsIn.PROCESSING,
        ANSWERING_OPERATIONS,
        "The response file is malformed X12.",
    ),
):
    register(_action)
