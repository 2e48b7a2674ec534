"""The one source of "now": real time plus a stored offset, or a stored frozen instant.

The state lives in the database row :class:`~simulator.store.models.ServerState`, so every
worker process reads the same simulated time. Domain code takes the time from a
:class:`Clock`; nothing else calls ``datetime.now``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from simulator.store.database import Database
from simulator.store.marker import ChangeMarker
from simulator.store.models import SERVER_STATE_ID, ServerState
from simulator.work import forget, remembered

CLOCK_KEY = "clock"


def real_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ClockReading:
    now: datetime
    frozen: bool


class Clock:
    """Simulated time shared by all workers; ``wall`` is the real clock it is based on."""

    def __init__(
        self,
        database: Database,
        wall: Callable[[], datetime] = real_now,
        marker: ChangeMarker | None = None,
    ) -> None:
        """``marker``, shared by every process of a server, lets each keep the state it read."""
        self._database = database
        self._wall = wall
        self._marker = marker

    def now(self) -> datetime:
        return self.read().now

    def read(self) -> ClockReading:
        offset, frozen_at = remembered(CLOCK_KEY, self._kept_state)
        if frozen_at is not None:
            return ClockReading(now=frozen_at, frozen=True)
        return ClockReading(now=self._wall() + timedelta(seconds=offset), frozen=False)

    def _kept_state(self) -> tuple[float, datetime | None]:
        if self._marker is None:
            return self._stored_state()
        return self._marker.kept(CLOCK_KEY, self._stored_state)

    def _stored_state(self) -> tuple[float, datetime | None]:
        """One small query on a pooled connection: every request asks, so it must be cheap."""
        with self._database.glance() as connection:
            row = connection.execute(
                select(ServerState.clock_offset_seconds, ServerState.clock_frozen_at).where(
                    ServerState.id == SERVER_STATE_ID
                )
            ).first()
        if row is None:
            raise RuntimeError("the database has not been prepared; run the migrations first")
        return float(row[0]), row[1]

    def set(self, when: datetime) -> ClockReading:
        """Jump to ``when``; a frozen clock stays frozen there."""
        return self._change(lambda state: self._move_to(state, _aware(when)))

    def advance(self, by: timedelta) -> ClockReading:
        return self._change(lambda state: self._move_to(state, self._reading(state).now + by))

    def freeze(self, frozen: bool) -> ClockReading:
        """Stop time at the current simulated instant, or let it run on from there."""

        def apply(state: ServerState) -> None:
            current = self._reading(state).now
            state.clock_frozen_at = current if frozen else None
            if not frozen:
                state.clock_offset_seconds = (current - self._wall()).total_seconds()

        return self._change(apply)

    def reset(self) -> ClockReading:
        """Back to real time, running."""

        def apply(state: ServerState) -> None:
            state.clock_offset_seconds = 0.0
            state.clock_frozen_at = None

        return self._change(apply)

    def _change(self, apply: Callable[[ServerState], None]) -> ClockReading:
        forget(CLOCK_KEY)
        with self._database.transaction() as session:
            state = _state(session)
            apply(state)
            reading = self._reading(state)
        if self._marker is not None:
            self._marker.changed()
        return reading

    def _move_to(self, state: ServerState, when: datetime) -> None:
        if state.clock_frozen_at is not None:
            state.clock_frozen_at = when
        else:
            state.clock_offset_seconds = (when - self._wall()).total_seconds()

    def _reading(self, state: ServerState) -> ClockReading:
        if state.clock_frozen_at is not None:
            return ClockReading(now=state.clock_frozen_at, frozen=True)
        offset = timedelta(seconds=state.clock_offset_seconds)
        return ClockReading(now=self._wall() + offset, frozen=False)


def _state(session: Session) -> ServerState:
    state = session.get(ServerState, SERVER_STATE_ID)
    if state is None:
        raise RuntimeError("the database has not been prepared; run the migrations first")
    return state


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)
