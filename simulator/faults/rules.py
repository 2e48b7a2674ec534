"""Fault rules as data: what a rule may say, checked field by field."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simulator.portal.errors import PortalError
from simulator.sites import SITE_CODES

OPERATIONS = frozenset(
    {
        "login",
        "password_change",
        "password_reset",
        "profile",
        "upload",
        "status",
        "search",
        "download",
        "process",
        "any",
    }
)
MATCH_FIELDS = frozenset({"user_id", "provider_id", "transaction_type"})
RULE_FIELDS = frozenset(
    {"id", "site", "operation", "match", "action", "probability", "times", "after"}
)
TRANSPORT_ACTIONS = frozenset(
    {"error", "delay", "reset_connection", "truncate_body", "maintenance"}
)
ERROR_STATUSES = (500, 502, 503, 504)
MAX_COUNT = 1_000_000_000
# Bounds that keep one rule from holding a worker or a job for ever.
PARAMETER_LIMITS = {
    "ms": 600_000,
    "jitter_ms": 600_000,
    "seconds": 366 * 86_400,
    "bytes": 2**31,
    "retry_after": 86_400,
}

# Each action type with its parameters: name -> (required, kind).
ACTIONS: dict[str, dict[str, tuple[bool, type]]] = {
    "lockout": {},
    "force_password_change": {},
    "session_expired": {},
    "reject_oversize": {},
    "omit_tracking_number": {},
    "duplicate_tracking_number": {},
    "error": {"status": (True, int), "retry_after": (False, int)},
    "delay": {"ms": (True, int), "jitter_ms": (False, int)},
    "reset_connection": {},
    "truncate_body": {"bytes": (True, int)},
    "maintenance": {},
    "reject_999": {},
    "ta1_reject": {"note_code": (True, str)},
    "delay_response": {"seconds": (True, int)},
    "drop_response": {},
    "corrupt_response": {},
}


class FaultRuleError(PortalError):
    """A rule the simulator cannot apply; the message names the field."""

    code = "invalid_request"
    http_status = 422


@dataclass(frozen=True)
class FaultSpec:
    operation: str
    action: dict[str, Any]
    site: str | None = None
    match: dict[str, str] = field(default_factory=dict)
    probability: float | None = None
    times: int | None = None
    after: int | None = None
    rule_id: str | None = None

    @property
    def action_type(self) -> str:
        return str(self.action["type"])


def parse_rule(body: Any) -> FaultSpec:
    """A rule from its JSON form; anything wrong is refused naming the field."""
    if not isinstance(body, dict):
        raise FaultRuleError("rule: expected a JSON object.")
    unknown = sorted(set(body) - RULE_FIELDS)
    if unknown:
        raise FaultRuleError(f"{unknown[0]}: not a field of a fault rule.")
    site = body.get("site")
    if site is not None and site not in SITE_CODES:
        raise FaultRuleError(f"site: expected one of {', '.join(SITE_CODES)}.")
    operation = body.get("operation")
    if operation not in OPERATIONS:
        raise FaultRuleError(f"operation: expected one of {', '.join(sorted(OPERATIONS))}.")
    rule_id = body.get("id")
    if rule_id is not None and (not isinstance(rule_id, str) or not 0 < len(rule_id) <= 40):
        raise FaultRuleError("id: expected text of 1 to 40 characters.")
    return FaultSpec(
        operation=operation,
        action=_action(body.get("action")),
        site=site,
        match=_match(body.get("match")),
        probability=_probability(body.get("probability")),
        times=_count(body, "times", 1),
        after=_count(body, "after", 0),
        rule_id=rule_id,
    )


def _match(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise FaultRuleError("match: expected an object.")
    for key, item in value.items():
        if key not in MATCH_FIELDS:
            raise FaultRuleError(f"match.{key}: expected one of {', '.join(sorted(MATCH_FIELDS))}.")
        if not isinstance(item, str):
            raise FaultRuleError(f"match.{key}: expected text.")
    return dict(value)


def _action(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise FaultRuleError("action: expected an object with a type.")
    kind = value.get("type")
    if kind not in ACTIONS:
        raise FaultRuleError(f"action.type: expected one of {', '.join(sorted(ACTIONS))}.")
    parameters = ACTIONS[kind]
    for name in value:
        if name != "type" and name not in parameters:
            raise FaultRuleError(f"action.{name}: not a parameter of {kind}.")
    for name, (required, expected) in parameters.items():
        if name not in value:
            if required:
                raise FaultRuleError(f"action.{name}: required for {kind}.")
            continue
        item = value[name]
        if not isinstance(item, expected) or isinstance(item, bool):
            raise FaultRuleError(f"action.{name}: expected {expected.__name__}.")
        if isinstance(item, int) and not 0 <= item <= PARAMETER_LIMITS.get(name, MAX_COUNT):
            limit = PARAMETER_LIMITS.get(name, MAX_COUNT)
            raise FaultRuleError(f"action.{name}: expected a whole number from 0 to {limit}.")
    if kind == "error" and value["status"] not in ERROR_STATUSES:
        raise FaultRuleError("action.status: expected 500, 502, 503 or 504.")
    if kind == "ta1_reject" and not (len(value["note_code"]) == 3 and value["note_code"].isdigit()):
        raise FaultRuleError("action.note_code: expected a three-digit TA1 note code.")
    return dict(value)


def _probability(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise FaultRuleError("probability: expected a number from 0 to 1.")
    return float(value)


def _count(body: dict[str, Any], name: str, low: int) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_COUNT:
        raise FaultRuleError(f"{name}: expected a whole number from {low} to {MAX_COUNT}.")
    return value
