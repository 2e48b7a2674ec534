"""``posc-sim loadtest``: profiles found and bounded, the summary, and one short real run."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from simulator.loadtest import (
    MAX_RUN_SECONDS,
    Profile,
    RequestStats,
    find_profile,
    loadtest,
    parse_timespan,
    read_settings,
    summary,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("text", "seconds"), [("90", 90), ("30s", 30), ("2m", 120), ("1h30m", 5400), ("1m5s", 65)]
)
def test_run_times_read_as_locust_reads_them(text: str, seconds: int) -> None:
    assert parse_timespan(text) == seconds


def test_a_run_time_that_is_not_one_is_refused() -> None:
    with pytest.raises(click.ClickException, match="run-time"):
        parse_timespan("soon")


def test_a_run_is_bounded_to_ten_minutes(tmp_path: Path) -> None:
    profile = Profile(tmp_path / "long.conf", tmp_path, {"run-time": "1h"})
    assert profile.run_seconds == MAX_RUN_SECONDS


def test_settings_skip_comments_and_sections(tmp_path: Path) -> None:
    conf = tmp_path / "x.conf"
    conf.write_text("# a comment\n[locust]\nusers = 5\n run-time=30s \n")
    assert read_settings(conf) == {"users": "5", "run-time": "30s"}


@pytest.mark.parametrize("name", ["smoke", "steady", "ramp", "spike", "faults"])
def test_every_profile_is_found_by_name_and_bounded(name: str) -> None:
    profile = find_profile(name)
    assert profile.root == ROOT
    assert profile.settings["headless"] == "true"
    assert 0 < profile.run_seconds <= MAX_RUN_SECONDS
    assert profile.csv_prefix == ROOT / "loadtests" / "reports" / name


def test_an_unknown_profile_names_the_known_ones() -> None:
    with pytest.raises(click.ClickException, match="smoke"):
        find_profile("no-such-profile")


def test_the_summary_counts_retried_requests() -> None:
    rows = [
        RequestStats("POST", "/[site]/api/v1/batches", 40, 1, "30", "90"),
        RequestStats("RETRY", "/[site]/api/v1/batches", 2, 0, "1000", "1000"),
    ]
    lines = summary(rows)
    assert "/[site]/api/v1/batches" in lines[1]
    assert lines[-1].endswith("requests retried after a 503: 2)")


@pytest.mark.server
def test_a_short_profile_runs_against_its_own_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    conf = tmp_path / "short.conf"
    conf.write_text(
        "locustfile = loadtests/locustfile.py\nheadless = true\nusers = 3\nspawn-rate = 3\n"
        "run-time = 6s\nonly-summary = true\n"
    )
    result = CliRunner().invoke(loadtest, [str(conf)])
    assert result.exit_code == 0, result.output
    assert "Locust exit code 0" in result.output
    assert "Aggregated" in result.output


def test_without_locust_it_says_so_and_stops(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "locust", None)
    result = CliRunner().invoke(loadtest, ["smoke"])
    assert result.exit_code == 1
    assert result.output == (
        "Error: Locust is not installed in this environment; install it (pip install locust) "
        "and run again\n"
    )


def test_a_run_that_writes_no_statistics_never_shows_the_previous_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no locustfile above the profile: paths start here
    conf = tmp_path / "broken.conf"
    conf.write_text("locustfile = no-such-locustfile.py\nrun-time = 2s\ncsv = old/run\n")
    (tmp_path / "old").mkdir()
    stale = tmp_path / "old" / "run_stats.csv"
    stale.write_text(
        "Type,Name,Request Count,Failure Count,Median Response Time,95%\n,STALE,9,0,1,1\n"
    )
    result = CliRunner().invoke(loadtest, [str(conf)])
    assert result.exit_code == 1
    assert "STALE" not in result.output
    assert "Locust wrote no statistics" in result.output
    assert not stale.exists()
