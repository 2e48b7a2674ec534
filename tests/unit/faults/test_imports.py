"""The fault catalogue, the refusals and the settings sit low in the house: nothing above them
is imported by them (the transport middleware lives with the doors it wraps)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import simulator

PACKAGE = Path(simulator.__file__).parent


def simulator_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {name for name in names if name.startswith("simulator.")}


@pytest.mark.parametrize(
    ("modules", "forbidden"),
    [
        ("faults/*.py", ("simulator.portal", "simulator.web", "simulator.control")),
        ("settings.py", ("simulator.faults", "simulator.portal", "simulator.web")),
        ("errors.py", ("simulator.",)),
    ],
)
def test_no_upward_import(modules: str, forbidden: tuple[str, ...]) -> None:
    paths = sorted(PACKAGE.glob(modules))
    assert paths
    upward = {
        f"{path.relative_to(PACKAGE)} -> {name}"
        for path in paths
        for name in simulator_imports(path)
        if name.startswith(forbidden)
    }
    assert not upward
