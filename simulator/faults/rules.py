"""Fault rules as data: what a rule may say, checked field by field against the catalogue.

A rule is refused (422, naming the field) when it is malformed, and also when it could never
fire: an action in an operation where nothing acts on it (``reject_999`` on ``login``), or a
channel the operation is never reached through (``password_reset`` through ``api``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simulator.errors import RefusalError
from simulator.faults.actions import (
    ACTIONS,
    MAX_COUNT,
    OPERATION_CHANNELS,
    OPERATIONS,
    ActionType,
)
from simulator.sites import SITE_CODES

MATCH_FIELDS = frozenset({"user_id", "provider_id", "transaction_type", "channel"})
RULE_FIELDS = frozenset(
    {"id", "site", "operation", "match", "action", "probability", "times", "after"}
)


class FaultRuleError(RefusalError):
    """A rule the simulator cannot apply; the message names the field."""

    code = "invalid_request"
    reason = "invalid_fault_rule"


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
    action = _action(body.get("action"))
    _require_possible(ACTIONS[action["type"]], operation)
    return FaultSpec(
        operation=operation,
        action=action,
        site=site,
        match=_match(body.get("match"), operation),
        probability=_probability(body.get("probability")),
        times=_count(body, "times", 1),
        after=_count(body, "after", 0),
        rule_id=rule_id,
    )


def _require_possible(action: ActionType, operation: str) -> None:
    if not action.can_act_in(operation):
        raise FaultRuleError(
            f"operation: {action.name} cannot happen in {operation}; "
            f"it acts in {', '.join(sorted(action.operations))}."
        )


def _match(value: Any, operation: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise FaultRuleError("match: expected an object.")
    for key, item in value.items():
        if key not in MATCH_FIELDS:
            raise FaultRuleError(f"match.{key}: expected one of {', '.join(sorted(MATCH_FIELDS))}.")
        if not isinstance(item, str):
            raise FaultRuleError(f"match.{key}: expected text.")
    channel = value.get("channel")
    if channel is not None and channel not in OPERATION_CHANNELS[operation]:
        reachable = ", ".join(sorted(OPERATION_CHANNELS[operation])) or "no channel"
        raise FaultRuleError(
            f"match.channel: {operation} cannot happen through {channel!r}; "
            f"it is reached through {reachable}."
        )
    return dict(value)


def _action(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise FaultRuleError("action: expected an object with a type.")
    kind = value.get("type")
    if not isinstance(kind, str) or kind not in ACTIONS:
        raise FaultRuleError(f"action.type: expected one of {', '.join(sorted(ACTIONS))}.")
    parameters = {parameter.name: parameter for parameter in ACTIONS[kind].parameters}
    for name in value:
        if name != "type" and name not in parameters:
            raise FaultRuleError(f"action.{name}: not a parameter of {kind}.")
    for name, parameter in parameters.items():
        if name not in value:
            if parameter.required:
                raise FaultRuleError(f"action.{name}: required for {kind}.")
            continue
        problem = parameter.problem(value[name])
        if problem is not None:
            raise FaultRuleError(f"action.{name}: {problem}")
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
