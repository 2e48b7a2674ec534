"""The OpenAPI document of both JSON APIs, its fault parts read from the fault catalogue.

The paths and schemas are written out in ``static/openapi.json``; the operations, channels and
action types a fault rule may name come from :mod:`simulator.faults.actions`, the registry the
rule parser and the services read, so the document cannot fall behind them. Each action type
is described under the ``x-action-types`` extension of the rule's ``action`` (where it acts,
the operations it can act in, its parameters as JSON Schemas): a machine-readable catalogue
that leaves generated requests free to try types the simulator refuses.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from simulator.faults.actions import ACTIONS, CHANNELS, OPERATIONS


@cache
def document() -> bytes:
    text = resources.files("simulator.control").joinpath("static/openapi.json").read_text()
    spec: dict[str, Any] = json.loads(text)
    rule = spec["components"]["schemas"]["FaultRule"]["properties"]
    rule["operation"] = {"type": "string", "enum": sorted(OPERATIONS)}
    rule["match"]["properties"]["channel"] = {"type": "string", "enum": list(CHANNELS)}
    entry = spec["components"]["schemas"]["JournalEntry"]["properties"]
    entry["channel"]["enum"] = [*CHANNELS, None]
    for parameter in spec["paths"]["/_sim/v1/journal"]["get"]["parameters"]:
        if parameter["name"] == "channel":
            parameter["schema"]["enum"] = list(CHANNELS)
    rule["action"] = {
        "type": "object",
        "required": ["type"],
        "properties": {
            "type": {
                "type": "string",
                "description": f"One of: {', '.join(sorted(ACTIONS))} (see x-action-types).",
            }
        },
        "x-action-types": {name: action.json_schema() for name, action in sorted(ACTIONS.items())},
    }
    return json.dumps(spec, indent=1).encode()
