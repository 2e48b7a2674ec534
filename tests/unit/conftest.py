from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from simulator.runtime import Runtime
from simulator.settings import Settings


@pytest.fixture
def storage(tmp_path: Path, database_url: str | None) -> Iterator[Runtime]:
    """Prepared, unseeded storage in its own data directory (and database, if one is given)."""
    services = Runtime.open(Settings(data_dir=tmp_path / "data", database_url=database_url))
    services.prepare_storage()
    yield services
    services.close()
