from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from simulator.runtime import Runtime
from simulator.settings import Settings


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[Runtime]:
    """Prepared, unseeded storage in its own data directory."""
    services = Runtime.open(Settings(data_dir=tmp_path / "data"))
    services.prepare_storage()
    yield services
    services.close()
