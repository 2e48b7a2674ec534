"""``/_sim/v1/clock`` and ``/_sim/v1/reset``: the simulated time, and starting over."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, jsonify, request

from posc_sim_fixtures.datasets import DATASETS
from simulator.clock import ClockReading
from simulator.control.parsing import field, json_object, site_code
from simulator.control.seeding import reset_sites
from simulator.portal.errors import InvalidRequestError
from simulator.sites import SITE_CODES
from simulator.web.context import runtime

blueprint = Blueprint("state", __name__, url_prefix="/v1")
ISO_DURATION = re.compile(
    r"^(?P<sign>-)?P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


def _reading_json(reading: ClockReading) -> dict[str, Any]:
    return {"now": reading.now.isoformat(), "frozen": reading.frozen}


MAX_SEED = 2**63
MAX_SHIFT = timedelta(days=365 * 200)  # the clock stays within the calendar MassHealth uses
EARLIEST, LATEST = datetime(1900, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC)


def parse_duration(value: Any) -> timedelta:
    """Seconds as a number, or an ISO 8601 duration such as ``P90D`` or ``PT20M``."""
    try:
        duration = _duration(value)
    except (OverflowError, ValueError):
        duration = None
    if duration is None or abs(duration) > MAX_SHIFT:
        raise InvalidRequestError(
            f"advance: expected seconds or an ISO 8601 duration like P90D or PT20M, within "
            f"200 years, got {value!r}."
        )
    return duration


def _duration(value: Any) -> timedelta | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=value)
    if isinstance(value, str):
        found = ISO_DURATION.match(value.strip())
        if found and any(found.group(k) for k in ("weeks", "days", "hours", "minutes", "seconds")):
            parts = {k: float(v) for k, v in found.groupdict().items() if v and k != "sign"}
            duration = timedelta(**parts)
            return -duration if found.group("sign") else duration
    return None


def parse_instant(value: Any, name: str) -> datetime:
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            if moment.tzinfo is not None and EARLIEST <= moment <= LATEST:
                return moment
    raise InvalidRequestError(
        f"{name}: expected an ISO 8601 time with its offset, between 1900 and 2200, got {value!r}."
    )


@blueprint.get("/clock")
def read_clock() -> Response:
    return jsonify(_reading_json(runtime().clock.read()))


@blueprint.post("/clock")
def change_clock() -> Response:
    """``set`` then ``advance``; ``freeze: true`` stops time first, so a set instant is exact."""
    body = json_object()
    unknown = set(body) - {"set", "advance", "freeze"}
    if unknown:
        raise InvalidRequestError(
            f"{sorted(unknown)[0]}: not a clock field (set, advance, freeze)."
        )
    freeze = body.get("freeze")
    if freeze is not None and not isinstance(freeze, bool):
        raise InvalidRequestError("freeze: expected true or false.")
    instant = parse_instant(body["set"], "set") if "set" in body else None
    duration = parse_duration(body["advance"]) if "advance" in body else None
    clock = runtime().clock
    start = instant or clock.read().now
    if duration is not None and not EARLIEST <= start + duration <= LATEST:
        raise InvalidRequestError("advance: the clock would leave the years 1900 to 2200.")
    reading = clock.freeze(True) if freeze is True else clock.read()
    if instant is not None:
        reading = clock.set(instant)
    if duration is not None:
        reading = clock.advance(duration)
    if freeze is False:
        reading = clock.freeze(False)
    return jsonify(_reading_json(reading))


@blueprint.post("/reset")
def reset() -> Response:
    """Wipe the site (or both, and the clock) and seed it again from the seed."""
    body = json_object() if _has_body() else {}
    services = runtime()
    site = field(body, "site", str, "")
    sites = (site_code(site),) if site else SITE_CODES
    dataset = field(body, "dataset", str, services.settings.dataset)
    if dataset not in DATASETS:
        raise InvalidRequestError(f"dataset: expected one of {', '.join(sorted(DATASETS))}.")
    seed = field(body, "seed", int, services.settings.seed)
    if not 0 <= seed < MAX_SEED:
        raise InvalidRequestError(f"seed: expected a whole number from 0 to {MAX_SEED - 1}.")
    if not site:
        services.clock.reset()
        services.faults.clear()
    results = reset_sites(services, sites, dataset, seed)
    return jsonify(
        {
            "sites": [
                {
                    "site": r.site,
                    "dataset": r.dataset,
                    "seed": r.seed,
                    "accounts": [a.user_id for a in r.accounts],
                }
                for r in results
            ]
        }
    )


def _has_body() -> bool:
    return bool(request.get_data(cache=True))
