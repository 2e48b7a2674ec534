"""The ``given`` block of a scenario file: the state a test starts from, put into a Simulator.

The file is YAML (``.yaml``/``.yml``, read with PyYAML) or JSON. The block stands alone or
under a top-level ``given`` key, which leaves the rest of a scenario file to its runner::

    given:
      clock: {set: "2026-03-02T09:00:00-05:00", freeze: true}  # body of POST /_sim/v1/clock
      providers:  # Simulator.create_provider arguments; name and npi may be left out
        - {site: test, provider_id: "110048577A"}
      users:  # each the body of POST /_sim/v1/users
        - {site: test, user_id: ALICE01, password: "Secret#123", providers: ["110048577A"]}
      faults:  # each a fault rule (CONTRACT section 5)
        - {site: test, operation: upload, action: {type: error, status: 503}, times: 1}

Every part is optional. They are applied in that order: the clock first, so accounts are
opened at the simulated time and their passwords age from it.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from simulator.testing.simulator import Simulator

GIVEN_KEYS = ("clock", "providers", "users", "faults")
YAML_SUFFIXES = (".yaml", ".yml")


class GivenError(ValueError):
    """A given block the simulator cannot load; the message names the file and the part."""


def read_given(path: Path) -> dict[str, Any]:
    """The given block of the file at ``path``, checked for unknown parts."""
    text = path.read_text(encoding="utf-8")
    document = _yaml(text, path) if path.suffix.lower() in YAML_SUFFIXES else json.loads(text)
    block = document.get("given", document) if isinstance(document, dict) else document
    if not isinstance(block, dict):
        raise GivenError(f"{path}: expected a mapping of {', '.join(GIVEN_KEYS)}")
    unknown = sorted(set(block) - set(GIVEN_KEYS))
    if unknown:
        raise GivenError(f"{path}: {unknown[0]}: expected only {', '.join(GIVEN_KEYS)}")
    return _plain(block)


def apply_given(simulator: Simulator, block: dict[str, Any]) -> None:
    """Set the clock, then add the providers, users and fault rules of ``block``."""
    if "clock" in block:
        simulator.control("POST", "/clock", block["clock"])
    for provider in _entries(block, "providers"):
        simulator.create_provider(**provider)
    for user in _entries(block, "users"):
        simulator.control("POST", "/users", user)
    for rule in _entries(block, "faults"):
        simulator.add_fault(rule)


def _entries(block: dict[str, Any], key: str) -> list[dict[str, Any]]:
    entries = block.get(key, [])
    if not isinstance(entries, list) or not all(isinstance(item, dict) for item in entries):
        raise GivenError(f"{key}: expected a list of mappings")
    return entries


def _yaml(text: str, path: Path) -> Any:
    try:
        import yaml
    except ImportError:
        raise GivenError(f"{path}: reading YAML needs PyYAML; or write the file as JSON") from None
    return yaml.safe_load(text)


def _plain(block: dict[str, Any]) -> dict[str, Any]:
    """YAML reads an unquoted time as a datetime; the control API wants ISO 8601 text."""
    plain: dict[str, Any] = json.loads(json.dumps(block, default=_iso_text))
    return plain


def _iso_text(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not a value a given block can hold")
