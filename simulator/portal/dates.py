"""MassHealth's calendar: Eastern time for dates people see and for file names."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from simulator.portal.errors import InvalidRequestError

EASTERN = ZoneInfo("America/New_York")
DATE_FORMATS = ("%m/%d/%Y", "%Y-%m-%d")


def parse_date(text: str, field: str) -> date:
    """A date as people type it on the download page: MM/DD/YYYY or YYYY-MM-DD."""
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    raise InvalidRequestError(f"{field}: {text!r} is not a date like 01/31/2026 or 2026-01-31.")


def start_of_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=EASTERN)


def end_of_day(day: date) -> datetime:
    return start_of_day(day + timedelta(days=1))


def shown(moment: datetime) -> str:
    return moment.astimezone(EASTERN).strftime("%m/%d/%Y")


def long_date(moment: datetime) -> str:
    """A date as the POSC header shows it: December 22, 2022."""
    local = moment.astimezone(EASTERN)
    return f"{local:%B} {local.day}, {local.year}"


def months_before(moment: datetime, months: int) -> datetime:
    """The same day ``months`` earlier (the last day of a shorter month when needed)."""
    local = moment.astimezone(EASTERN)
    total = local.year * 12 + local.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    for day in range(local.day, 27, -1):
        try:
            return local.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    return local.replace(year=year, month=month, day=min(local.day, 28))
