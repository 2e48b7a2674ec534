"""Every test builds its own settings, storage and app on a temporary data directory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from simulator.app import create_app
from simulator.control.seeding import seed_unseeded_sites
from simulator.runtime import Runtime
from simulator.settings import Settings
from tests.pyx12_judge import pyx12_accepts  # noqa: F401  (a fixture for every test)

# Salted scrypt still, at a cost that lets a test open many accounts quickly.
FAST_HASH = "scrypt:1024:8:1"
SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        base = Settings(data_dir=tmp_path / "data", password_hash_method=FAST_HASH)
        return replace(base, **overrides)

    return make


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    """Prepared storage with both sites seeded with the demo data set."""
    services = Runtime.open(settings)
    services.prepare_storage()
    seed_unseeded_sites(services, settings.dataset, settings.seed)
    yield services
    services.close()


class BufferedClient(FlaskClient):
    """Reads every answer whole and closes it, as a WSGI server would close a streamed file."""

    def open(self, *args: Any, buffered: bool = True, **kwargs: Any) -> Any:
        return super().open(*args, buffered=buffered, **kwargs)


@pytest.fixture
def app(runtime: Runtime) -> Flask:
    app = create_app(runtime.settings, runtime)
    app.test_client_class = BufferedClient
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
