"""The lower floors of the house import nothing from above them.

Bottom up: ``x12`` (pure: bytes in, bytes out), ``store`` (every statement), ``portal`` (the
rules, asking the clock and the fault service). Each module's imports, at any depth, are
read from its source.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import simulator

PACKAGE = Path(simulator.__file__).parent
WEB_AND_DATABASE = ("flask", "werkzeug", "sqlalchemy", "alembic")
ABOVE_PORTAL = (
    "simulator.web",
    "simulator.control",
    "simulator.app",
    "simulator.cli",
    "simulator.server",
    "simulator.runtime",
    "simulator.testing",
    "simulator.scenarios",
    "simulator.loadtest",
    "posc_sim_fixtures",
)
# floor: (what its modules may import of the simulator, what they must never import)
FLOORS = {
    "x12": (("simulator.x12",), WEB_AND_DATABASE),
    "store": (("simulator.store",), ("flask", "werkzeug")),
    "portal": (None, WEB_AND_DATABASE + ABOVE_PORTAL),
}


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == prefix or name.startswith(f"{prefix}.") for prefix in prefixes)


@pytest.mark.parametrize("floor", FLOORS)
def test_a_floor_imports_nothing_above_it(floor: str) -> None:
    allowed, forbidden = FLOORS[floor]
    wrong = []
    for path in sorted((PACKAGE / floor).rglob("*.py")):
        for name in imported(path):
            own = within(name, ("simulator", "posc_sim_fixtures"))
            if within(name, forbidden) or (allowed and own and not within(name, allowed)):
                wrong.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert wrong == []
