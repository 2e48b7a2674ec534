"""Reading scenario files: YAML a person writes, checked key by key with line numbers.

Every mapping is checked against the keys it may have; an unknown key, a missing required
one or a value of the wrong kind is an error that names the file, the line and the key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from posc_sim_fixtures.datasets import DATASETS
from simulator.faults.actions import ACTIONS, CHANNELS, OPERATIONS
from simulator.faults.rules import FaultRuleError, parse_rule
from simulator.isotime import DURATION_HINT, INSTANT_HINT, parse_duration, parse_instant
from simulator.sites import SITE_CODES


class ScenarioError(ValueError):
    """A scenario file that cannot be run; the message is ``file:line: key: problem``."""


@dataclass(frozen=True)
class Rule:
    """What one mapping may hold: key -> expected kind; ``required`` keys must be present."""

    keys: dict[str, Any]
    required: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Choice:
    """Text that must be one of ``values``."""

    values: tuple[str, ...]


@dataclass(frozen=True)
class Parsed:
    """A value the server reads with ``parse`` (which raises ``ValueError``); ``schema`` is
    its JSON Schema, for editors."""

    parse: Callable[[Any], object]
    schema: dict[str, Any]


def _fault_rule(value: Any) -> object:
    try:
        return parse_rule(value)
    except FaultRuleError as error:
        raise ValueError(error.message) from None


FAULT_RULE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "A fault rule, as POST /_sim/v1/faults takes it.",
    "required": ["operation", "action"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "minLength": 1, "maxLength": 40},
        "site": {"enum": list(SITE_CODES)},
        "operation": {"enum": sorted(OPERATIONS)},
        "match": {"type": "object", "additionalProperties": {"type": "string"}},
        "action": {
            "type": "object",
            "required": ["type"],
            "properties": {"type": {"enum": list(ACTIONS)}},
        },
        "probability": {"type": "number", "minimum": 0, "maximum": 1},
        "times": {"type": "integer", "minimum": 1},
        "after": {"type": "integer", "minimum": 0},
    },
}
TEXT, NUMBER, FLAG, ANY = str, int, bool, object
FAULT = Parsed(_fault_rule, FAULT_RULE_SCHEMA)
DURATION = Parsed(
    parse_duration,
    {"type": ["number", "string"], "description": f"A time span: {DURATION_HINT}."},
)
INSTANT = Parsed(
    parse_instant, {"type": "string", "format": "date-time", "description": INSTANT_HINT}
)
SITE = Choice(SITE_CODES)
BATCH_STATUS = Choice(("received", "processing", "accepted", "partially_accepted", "rejected"))
BUILDS = Choice(("270", "276", "278", "834", "837P", "837I"))
COUNTS = {"exactly": NUMBER, "at_least": NUMBER, "at_most": NUMBER}
JOURNAL_FILTER = Rule(
    {
        "channel": Choice(CHANNELS),
        "operation": TEXT,
        "outcome": TEXT,
        "status": NUMBER,
        "user_id": TEXT,
        "provider_id": TEXT,
        "fault": FLAG,
    }
)
RULES: dict[str, Rule] = {
    "scenario": Rule(
        {
            "name": TEXT,
            "description": TEXT,
            "site": SITE,
            "seed": NUMBER,
            "dataset": Choice(tuple(DATASETS)),
            "given": "given",
            "run": "run",
            "expect": ["expectation"],
        },
        frozenset({"name", "expect"}),
    ),
    "given": Rule(
        {
            "users": ["user"],
            "providers": ["provider"],
            "members": ["member"],
            "files": ["file"],
            "clock": "clock",
            "faults": [FAULT],
            "certification": ["standing"],
        }
    ),
    "standing": Rule(
        {"organization": TEXT, "transaction_type": TEXT, "certified": FLAG},
        frozenset({"organization", "transaction_type"}),
    ),
    "user": Rule(
        {
            "user_id": TEXT,
            "password": TEXT,
            "providers": [TEXT],
            "security_level": TEXT,
            "must_change_password": FLAG,
            "organization": TEXT,
            "security_questions": ["question"],
        },
        frozenset({"user_id", "password"}),
    ),
    "question": Rule({"question": TEXT, "answer": TEXT}, frozenset({"question", "answer"})),
    "provider": Rule(
        {"provider_id": TEXT, "name": TEXT, "npi": TEXT, "organization": TEXT},
        frozenset({"provider_id", "name", "npi"}),
    ),
    "member": Rule(
        {
            "member_id": TEXT,
            "first_name": TEXT,
            "last_name": TEXT,
            "birth_date": TEXT,
            "gender": TEXT,
            "status": TEXT,
            "plan": TEXT,
        },
        frozenset({"member_id", "first_name", "last_name", "birth_date"}),
    ),
    "file": Rule(
        {
            "provider_id": TEXT,
            "transaction_type": TEXT,
            "content": TEXT,
            "generate": FLAG,
            "available_at": INSTANT,
        },
        frozenset({"provider_id", "transaction_type"}),
    ),
    "clock": Rule({"set": INSTANT, "advance": DURATION, "freeze": FLAG}),
    "run": Rule(
        {
            "client": TEXT,
            "user_id": TEXT,
            "password": TEXT,
            "timeout": NUMBER,
            "exit_status": NUMBER,
            "steps": ["step"],
        }
    ),
    "step": Rule(
        {
            "login": FLAG,
            "upload": TEXT,
            "build": BUILDS,
            "as": TEXT,
            "provider_id": TEXT,
            "files": NUMBER,
            "bytes": NUMBER,
            "wait_for_999": FLAG,
            "wait_for": TEXT,
            "download_new": FLAG,
            "change_password": TEXT,
            "password": TEXT,
            "advance_clock": DURATION,
            "repeat": NUMBER,
            "retry": NUMBER,
            "members": [TEXT],
            "units": NUMBER,
            "usage_indicator": TEXT,
            "me": FLAG,
            "zip": FLAG,
            "wait_for_status": BATCH_STATUS,
            "unlock": FLAG,
            "channel": TEXT,
            "real_time": FLAG,
            "bad_checksum": FLAG,
            "certify": TEXT,
        }
    ),
    "expectation": Rule(
        {
            "name": TEXT,
            "journal": "journal_filter",
            "after": "journal_filter",
            "uploads": "upload_check",
            "downloads_in_order": FLAG,
            "every_upload_999_downloaded": FLAG,
            "file_contains": "file_check",
            "last_status": NUMBER,
            "last_error": TEXT,
            "certification": "certification_check",
            **COUNTS,
        },
        frozenset({"name"}),
    ),
    "journal_filter": JOURNAL_FILTER,
    "upload_check": Rule(
        {
            "status": BATCH_STATUS,
            "ta1_note": TEXT,
            "response_types": [TEXT],
            "has_tracking_number": FLAG,
        }
    ),
    "certification_check": Rule(
        {
            "organization": TEXT,
            "transaction_type": TEXT,
            "status": TEXT,
            "passes": NUMBER,
            "test_files": NUMBER,
        },
        frozenset({"organization", "transaction_type"}),
    ),
    "file_check": Rule(
        {"transaction_type": TEXT, "text": TEXT}, frozenset({"transaction_type", "text"})
    ),
}


def load_scenario(path: Path) -> dict[str, Any]:
    """The scenario as plain data, after every key and kind was checked."""
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise ScenarioError(f"{path}:{line}: not valid YAML ({error})") from None
    except OSError as error:
        raise ScenarioError(f"{path}: cannot be read ({error.strerror})") from None
    if node is None:
        raise ScenarioError(f"{path}:1: the file is empty")
    checked: dict[str, Any] = _check(node, "scenario", path, "scenario")
    return checked


def _check(node: Node, kind: Any, path: Path, where: str) -> Any:
    line = node.start_mark.line + 1
    if isinstance(kind, list):
        if not isinstance(node, SequenceNode):
            raise ScenarioError(f"{path}:{line}: {where}: expected a list")
        return [
            _check(item, kind[0], path, f"{where}[{index}]")
            for index, item in enumerate(node.value)
        ]
    if isinstance(kind, str):
        return _check_mapping(node, RULES[kind], path, where)
    value = yaml.safe_load(yaml.serialize(node))
    if isinstance(kind, Choice):
        if value not in kind.values:
            raise ScenarioError(
                f"{path}:{line}: {where}: expected one of {', '.join(kind.values)}, got {value!r}"
            )
        return value
    if isinstance(kind, Parsed):
        try:
            kind.parse(value)
        except ValueError as error:
            raise ScenarioError(f"{path}:{line}: {where}: {error}") from None
        return value
    if kind is not ANY and (
        not isinstance(value, kind) or (kind is int and isinstance(value, bool))
    ):
        raise ScenarioError(f"{path}:{line}: {where}: expected {_kind_name(kind)}, got {value!r}")
    return value


def _check_mapping(node: Node, rule: Rule, path: Path, where: str) -> dict[str, Any]:
    line = node.start_mark.line + 1
    if not isinstance(node, MappingNode):
        raise ScenarioError(f"{path}:{line}: {where}: expected a mapping of keys")
    result: dict[str, Any] = {}
    for key_node, value_node in node.value:
        key = str(key_node.value)
        key_line = key_node.start_mark.line + 1
        if key not in rule.keys:
            known = ", ".join(sorted(rule.keys))
            raise ScenarioError(f"{path}:{key_line}: {where}.{key}: unknown key (known: {known})")
        result[key] = _check(value_node, rule.keys[key], path, f"{where}.{key}")
    missing = sorted(rule.required - set(result))
    if missing:
        raise ScenarioError(f"{path}:{line}: {where}.{missing[0]}: required")
    return result


def _kind_name(kind: Any) -> str:
    return {str: "text", int: "a whole number", bool: "true or false"}.get(kind, "a value")


def json_schema() -> dict[str, Any]:
    """The scenario format as a JSON Schema (draft 2020-12), built from the same rules."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "posc-sim scenario",
        "$ref": "#/$defs/scenario",
        "$defs": {name: _rule_schema(rule) for name, rule in RULES.items()},
    }


def _rule_schema(rule: Rule) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {key: _kind_schema(kind) for key, kind in rule.keys.items()},
        "required": sorted(rule.required),
        "additionalProperties": False,
    }


def _kind_schema(kind: Any) -> dict[str, Any]:
    if isinstance(kind, list):
        return {"type": "array", "items": _kind_schema(kind[0])}
    if isinstance(kind, str):
        return {"$ref": f"#/$defs/{kind}"}
    if isinstance(kind, Choice):
        return {"enum": list(kind.values)}
    if isinstance(kind, Parsed):
        return kind.schema
    types = {str: "string", int: "integer", bool: "boolean"}
    return {"type": types[kind]} if kind in types else {}
