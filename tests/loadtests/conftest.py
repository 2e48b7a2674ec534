"""The load tests run against a real server the test starts: the e2e suite's ``live_server``."""

from __future__ import annotations

from tests.e2e.conftest import live_server  # noqa: F401  (a fixture for these tests)
