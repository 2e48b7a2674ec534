"""The house as DESIGN.md draws it, checked on every import of every module.

The layer order is written once, lowest first. A module may import its own package and any
package of a lower layer; an import of a package in a higher layer, or of another package in
the same layer, runs up or across the house and fails here with the file and line.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Lowest first. Packages in one tuple share a layer and must not import each other.
LAYERS: tuple[tuple[str, ...], ...] = (
    (
        "simulator.x12",
        "simulator.sites",
        "simulator.work",
        "simulator.hashing",
        "simulator.holders",
        "simulator.isotime",
    ),
    ("simulator.errors",),
    ("simulator.settings",),
    ("simulator.store",),
    ("simulator.meter",),
    ("simulator.clock",),
    ("simulator.faults",),
    ("simulator.portal",),
    ("simulator.runtime", "posc_sim_fixtures"),
    ("simulator.web",),
    ("simulator.control",),
    ("simulator.app",),
    ("simulator.workers",),
    ("simulator.server", "simulator.scenarios"),
    ("simulator.testing",),
    ("simulator.loadtest",),
    ("simulator.certification_report",),
    ("simulator.certification_cli",),
    ("simulator.cli",),
    ("simulator.__main__",),
)
WEB = ("flask", "werkzeug", "flask_wtf")
# What a floor must never import from outside the simulator.
FORBIDDEN = {
    "simulator/portal": (*WEB, "sqlalchemy", "alembic"),
    "simulator/x12": (*WEB, "sqlalchemy", "alembic"),
    "simulator/store": WEB,
    "simulator/faults": WEB,
}


def layer_of(module: str) -> tuple[int, str] | None:
    """The layer index and the package of ``module``, or None for a module outside the house."""
    for index, packages in enumerate(LAYERS):
        for package in packages:
            if module == package or module.startswith(package + "."):
                return index, package
    return None


def source_modules() -> Iterator[tuple[str, Path]]:
    for top in ("simulator", "posc_sim_fixtures"):
        for path in sorted((ROOT / top).rglob("*.py")):
            if "migrations" in path.parts:
                continue  # Alembic's own scripts
            parts = path.relative_to(ROOT).with_suffix("").parts
            yield ".".join(p for p in parts if p != "__init__"), path


def imports_of(path: Path) -> Iterator[tuple[str, int]]:
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from ((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, node.lineno


MODULES = list(source_modules())


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[m for m, _ in MODULES])
def test_no_import_runs_up_or_across_the_house(module: str, path: Path) -> None:
    own = layer_of(module)
    if own is None:
        assert module == "simulator", f"{module} is in no layer: add it to LAYERS"
        return
    wrong = []
    for imported, line in imports_of(path):
        target = layer_of(imported)
        if target is None or target[1] == own[1]:
            continue
        if target[0] >= own[0]:
            wrong.append(f"{path.relative_to(ROOT)}:{line} imports {imported}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_the_lower_floors_know_no_web_and_the_domain_no_sql(package: str) -> None:
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {imported}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for imported, line in imports_of(path)
        if imported.split(".")[0] in FORBIDDEN[package]
    ]
    assert not wrong, "\n".join(wrong)


def test_x12_imports_nothing_of_the_simulator_outside_itself() -> None:
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {imported}"
        for path in sorted((ROOT / "simulator/x12").rglob("*.py"))
        for imported, line in imports_of(path)
        if imported.split(".")[0] in ("simulator", "posc_sim_fixtures")
        and not imported.startswith("simulator.x12")
    ]
    assert not wrong, "\n".join(wrong)
