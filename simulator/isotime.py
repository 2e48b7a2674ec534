"""ISO 8601 durations and instants as people write them, read with isodate.

A duration is seconds (``3600``, ``"3600"``, ``1.5``) or an ISO 8601 duration (``PT20M``,
``P90D``, ``P1M``, ``P1Y``). Months and years have no fixed length, so they stay calendar
steps (an :class:`isodate.Duration`) until they are added to an instant: ``P1M`` from
31 January is the last day of February, as ``archive_after_months`` counts them.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any, TypeAlias

import isodate

Span: TypeAlias = "timedelta | isodate.Duration"
DURATION_HINT = "seconds or an ISO 8601 duration such as PT20M, P90D or P1M"
INSTANT_HINT = "an ISO 8601 time with its offset, such as 2026-03-02T09:00:00-05:00"


def parse_duration(value: Any) -> Span:
    """``value`` as a span of time; :class:`ValueError` names what is expected."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"expected {DURATION_HINT}, got {value!r}")
    if isinstance(value, str):
        text = value.strip()
        try:
            seconds = float(text)
        except ValueError:
            return _iso_duration(text, value)
    else:
        seconds = float(value)
    try:
        if not math.isfinite(seconds):
            raise OverflowError
        return timedelta(seconds=seconds)
    except OverflowError:
        raise ValueError(f"expected {DURATION_HINT}, got {value!r}") from None


def _iso_duration(text: str, original: Any) -> Span:
    try:
        span: Span = isodate.parse_duration(text)
    except (ValueError, OverflowError):
        raise ValueError(f"expected {DURATION_HINT}, got {original!r}") from None
    return span


def shifted(moment: datetime, span: Span) -> datetime:
    """``moment`` moved by ``span``; :class:`ValueError` when that leaves the calendar."""
    try:
        moved: datetime = moment + span
    except OverflowError:
        raise ValueError(f"{span} from {moment.isoformat()} leaves the calendar") from None
    return moved


def parse_instant(value: Any) -> datetime:
    """An aware datetime from ISO 8601 text with an offset (``Z`` for UTC)."""
    if isinstance(value, str):
        try:
            moment = isodate.parse_datetime(value.strip())
        except (ValueError, OverflowError):
            moment = None
        if isinstance(moment, datetime) and moment.tzinfo is not None:
            return moment
    raise ValueError(f"expected {INSTANT_HINT}, got {value!r}")
