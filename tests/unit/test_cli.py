from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
from click.testing import CliRunner
from sqlalchemy import func, select

from simulator.cli import cli
from simulator.runtime import Runtime
from simulator.settings import Settings
from simulator.store.models import SiteState, User
from tests.conftest import FAST_HASH

ENV = {"POSC_SIM_PASSWORD_HASH_METHOD": FAST_HASH}


def users_per_site(data_dir: Path) -> dict[str, int]:
    runtime = Runtime.open(Settings(data_dir=data_dir))
    try:
        with runtime.database.reading() as session:
            rows = session.execute(select(User.site, func.count()).group_by(User.site)).all()
            return {site: int(number) for site, number in rows}
    finally:
        runtime.close()


def test_seed_fills_unseeded_sites_once(tmp_path: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(cli, ["seed", "--data-dir", str(tmp_path)], env=ENV)
    assert first.exit_code == 0, first.output
    assert "Test site: seeded data set 'demo' with seed 1" in first.output
    assert "Production site: seeded" in first.output
    again = runner.invoke(cli, ["seed", "--data-dir", str(tmp_path)], env=ENV)
    assert "already seeded" in again.output
    assert users_per_site(tmp_path) == {"test": 4, "prod": 4}


def test_reset_one_site_with_another_data_set(tmp_path: Path) -> None:
    runner = CliRunner()
    runner.invoke(cli, ["seed", "--data-dir", str(tmp_path)], env=ENV)
    result = runner.invoke(
        cli,
        [
            "reset",
            "--site",
            "test",
            "--dataset",
            "empty",
            "--seed",
            "9",
            "--data-dir",
            str(tmp_path),
        ],
        env=ENV,
    )
    assert result.exit_code == 0, result.output
    assert "Test site: seeded data set 'empty' with seed 9" in result.output
    assert users_per_site(tmp_path) == {"prod": 4}
    runtime = Runtime.open(Settings(data_dir=tmp_path))
    try:
        with runtime.database.reading() as session:
            state = session.get(SiteState, "test")
            assert state is not None
            assert (state.dataset, state.seed) == ("empty", 9)
    finally:
        runtime.close()


def test_reset_of_both_sites_returns_the_clock_to_real_time(
    make_settings: Callable[..., Settings],
) -> None:
    from datetime import UTC, datetime

    settings = make_settings()
    runtime = Runtime.open(settings)
    try:
        runtime.prepare_storage()
        runtime.clock.set(datetime(2031, 1, 1, tzinfo=UTC))
        runtime.clock.freeze(True)
        result = CliRunner().invoke(cli, ["reset", "--data-dir", str(settings.data_dir)], env=ENV)
        assert result.exit_code == 0, result.output
        reading = runtime.clock.read()
        assert not reading.frozen
        assert reading.now.year < 2031
    finally:
        runtime.close()


def all_help_texts() -> dict[str, str]:
    """Every command's ``-h`` output, by command path."""
    texts: dict[str, str] = {}

    def visit(command: click.Command, path: list[str]) -> None:
        texts[" ".join(path) or "posc-sim"] = CliRunner().invoke(cli, [*path, "-h"]).output
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                visit(sub, [*path, name])

    visit(cli, [])
    return texts


def test_every_command_answers_dash_h_and_points_at_nothing_the_package_lacks() -> None:
    texts = all_help_texts()
    assert {"fault add", "scenario schema", "x12 retarget", "serve"} <= set(texts)
    for command, text in texts.items():
        assert text.startswith("Usage: "), command
        for unshipped in ("CONTRACT", "README", "docs/", " scenarios/", "§"):
            assert unshipped not in text, (command, unshipped)
