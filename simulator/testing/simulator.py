"""A whole simulator in the test's own process: both sites, the control API, no server.

A :class:`Simulator` opens its own :class:`~simulator.runtime.Runtime` on a data directory of
its own (a temporary one unless told otherwise), prepares and seeds it, and builds the same
app ``posc-sim serve`` runs. Its helpers go through the control API's own code (by the Flask
test client) or the domain services, so a test sets up exactly what a harness talking to a
real server would.

Processing is the one difference from a server: no background thread runs the jobs that
make response files. Nothing is answered until the test calls :meth:`Simulator.process_jobs`
(``mock_posc`` does it after every request unless told not to), so a test decides when a
batch moves from ``received`` to its final status.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from posc_sim_fixtures.factories import provider_for_id
from simulator.app import CONTROL_PREFIX, create_app
from simulator.control.seeding import seed_unseeded_sites
from simulator.faults.rules import parse_rule
from simulator.portal.journal import JournalQuery
from simulator.runtime import Runtime
from simulator.settings import Settings
from simulator.testing.server import FAST_HASH

# Salted scrypt still, at a cost that lets a test open many accounts quickly.
CONTROL_API = f"{CONTROL_PREFIX}/v1"


class ControlError(Exception):
    """A control call the simulator refused: a set-up mistake in the test, named plainly."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


class BufferedClient(FlaskClient):
    """Reads every answer whole and closes it, as a WSGI server closes a streamed file.

    Otherwise a downloaded file stays open until garbage collection, and a suite run with
    ``filterwarnings = error`` fails on the ResourceWarning.
    """

    def open(self, *args: Any, buffered: bool = True, **kwargs: Any) -> TestResponse:
        return super().open(*args, buffered=buffered, **kwargs)


class Simulator:
    """A fresh simulator on its own data directory; close it (or use ``with``) when done.

    ``dataset`` and ``seed`` choose what both sites are seeded with (``demo`` or ``empty``).
    ``data_dir`` keeps the database and files in a folder the caller owns; without it a
    temporary folder is made and removed at :meth:`close`. Other keyword arguments replace
    fields of :class:`~simulator.settings.Settings` (e.g. ``sites=...`` for per-site rules).
    """

    def __init__(
        self,
        *,
        dataset: str = "demo",
        seed: int = 1,
        data_dir: Path | None = None,
        **settings: Any,
    ) -> None:
        self._resources = ExitStack()
        try:
            if data_dir is None:
                temporary = tempfile.TemporaryDirectory(prefix="posc-sim-")
                data_dir = Path(self._resources.enter_context(temporary))
            base = Settings(
                data_dir=data_dir, password_hash_method=FAST_HASH, dataset=dataset, seed=seed
            )
            self.settings: Settings = replace(base, **settings)
            self.runtime: Runtime = Runtime.open(self.settings)
            self._resources.callback(self.runtime.close)
            self.runtime.prepare_storage()
            seed_unseeded_sites(self.runtime, self.settings.dataset, self.settings.seed)
            self.app: Flask = create_app(self.settings, self.runtime)
        except BaseException:
            self._resources.close()
            raise
        self.app.test_client_class = BufferedClient
        self.client: FlaskClient = self.app.test_client()
        self._control_client = self.app.test_client()

    def __enter__(self) -> Simulator:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the database and remove the temporary data directory, if one was made."""
        self._resources.close()

    # -- the control API ------------------------------------------------------------------------

    def control(self, method: str, path: str, body: Any = None) -> Any:
        """Call ``/_sim/v1`` + ``path`` and return the JSON answer; a refusal raises.

        The helpers below use it so that a test gets exactly the control API's checks and
        defaults, with the admin token sent when the settings have one.
        """
        token = self.settings.admin_token
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        answer = self._control_client.open(
            CONTROL_API + path, method=method, json=body, headers=headers
        )
        parsed = answer.get_json(silent=True)
        if answer.status_code >= 400:
            error = parsed.get("error", {}) if isinstance(parsed, dict) else {}
            raise ControlError(
                answer.status_code,
                str(error.get("code", "")),
                str(error.get("message", answer.get_data(as_text=True))),
            )
        return parsed

    def create_user(
        self,
        site: str,
        user_id: str,
        password: str,
        *,
        providers: Sequence[str] = (),
        must_change_password: bool = False,
        security_questions: Sequence[Mapping[str, str]] = (),
        **fields: Any,
    ) -> dict[str, Any]:
        """Open an account (``POST /_sim/v1/users``); a provider not yet there is made up.

        ``fields`` are that call's other fields: ``security_level``, ``organization``,
        ``first_name``, ``last_name``, ``email``.
        """
        body = {
            "site": site,
            "user_id": user_id,
            "password": password,
            "providers": list(providers),
            "must_change_password": must_change_password,
            "security_questions": [dict(pair) for pair in security_questions],
            **fields,
        }
        created: dict[str, Any] = self.control("POST", "/users", body)
        return created

    def create_provider(
        self,
        site: str,
        provider_id: str,
        *,
        name: str | None = None,
        npi: str | None = None,
        organization: str | None = None,
    ) -> dict[str, Any]:
        """Add a provider (``POST /_sim/v1/providers``); a missing name or NPI is generated
        from the ID, the same way ``create_user`` makes up an unknown provider."""
        made_up = provider_for_id(provider_id)
        body = {
            "site": site,
            "provider_id": provider_id,
            "name": name or made_up.name,
            "npi": npi or made_up.npi,
            "organization": organization,
        }
        created: dict[str, Any] = self.control("POST", "/providers", body)
        return created

    def place_file(
        self, site: str, provider_id: str, transaction_type: str, content: str | None = None
    ) -> dict[str, Any]:
        """Put an outbound file (834, 820, 835, ...) in a provider's download list.

        Without ``content`` the simulator generates it, for the non-X12 types that allow it.
        """
        body: dict[str, Any] = {
            "site": site,
            "provider_id": provider_id,
            "transaction_type": transaction_type,
        }
        body.update({"content": content} if content is not None else {"generate": True})
        placed: dict[str, Any] = self.control("POST", "/files", body)
        return placed

    def reset(
        self, site: str | None = None, dataset: str | None = None, seed: int | None = None
    ) -> dict[str, Any]:
        """Wipe and reseed one site, or both and the clock and the faults (``POST /reset``)."""
        body = {
            key: value
            for key, value in (("site", site), ("dataset", dataset), ("seed", seed))
            if value is not None
        }
        answer: dict[str, Any] = self.control("POST", "/reset", body)
        return answer

    # -- faults, clock, journal, jobs -----------------------------------------------------------

    def add_fault(self, rule: Mapping[str, Any]) -> dict[str, Any]:
        """Add a fault rule (CONTRACT §5), checked as ``POST /_sim/v1/faults`` checks it."""
        return self.runtime.faults.add(parse_rule(dict(rule)))

    def advance_clock(self, by: float | timedelta) -> datetime:
        """Move the simulated clock on by ``by`` (seconds, or a timedelta); returns now."""
        step = by if isinstance(by, timedelta) else timedelta(seconds=by)
        return self.runtime.clock.advance(step).now

    def set_clock(self, when: datetime) -> datetime:
        """Jump the simulated clock to ``when`` (naive times are UTC); returns now."""
        return self.runtime.clock.set(when).now

    def freeze_clock(self, frozen: bool = True) -> datetime:
        """Stop the simulated clock where it is (``frozen=False`` lets it run on)."""
        return self.runtime.clock.freeze(frozen).now

    def journal(self, **filters: Any) -> list[dict[str, Any]]:
        """Journal entries, oldest first; ``filters`` are those of ``GET /_sim/v1/journal``:
        ``site``, ``operation``, ``user_id``, ``provider_id``, ``tracking_number``,
        ``since``, ``limit``."""
        return self.runtime.journal.entries(JournalQuery(**filters))

    def process_jobs(self) -> int:
        """Run every job that is due now (simulated clock); returns how many ran.

        This is what makes the response files in-process: nothing runs them otherwise. A
        job held back by ``response_delay_seconds`` or a ``delay_response`` fault runs once
        :meth:`advance_clock` has passed its time.
        """
        return self.runtime.processor.run_pending()
