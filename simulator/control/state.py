"""``/_sim/v1/clock`` and ``/_sim/v1/reset``: the simulated time, and starting over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, jsonify, request

from posc_sim_fixtures.datasets import DATASETS
from simulator.clock import ClockReading
from simulator.control.parsing import field, json_object, site_code
from simulator.control.seeding import reset_sites
from simulator.isotime import parse_duration, parse_instant, shifted
from simulator.portal.errors import InvalidRequestError
from simulator.sites import SITE_CODES
from simulator.web.context import runtime

blueprint = Blueprint("state", __name__, url_prefix="/v1")


def _reading_json(reading: ClockReading) -> dict[str, Any]:
    return {"now": reading.now.isoformat(), "frozen": reading.frozen}


MAX_SEED = 2**63
MAX_SHIFT = timedelta(days=365 * 200)  # the clock stays within the calendar MassHealth uses
EARLIEST, LATEST = datetime(1900, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC)


def parse_advance(value: Any, start: datetime) -> timedelta:
    """``advance`` from ``start``: seconds or an ISO 8601 duration, months and years included."""
    try:
        target = shifted(start, parse_duration(value))
    except ValueError as error:
        raise InvalidRequestError(f"advance: {error}.") from None
    if abs(target - start) > MAX_SHIFT or not EARLIEST <= target <= LATEST:
        raise InvalidRequestError("advance: the clock would leave the years 1900 to 2200.")
    return target - start


def parse_set(value: Any) -> datetime:
    try:
        moment = parse_instant(value)
    except ValueError as error:
        raise InvalidRequestError(f"set: {error}.") from None
    if not EARLIEST <= moment <= LATEST:
        raise InvalidRequestError(f"set: expected a time between 1900 and 2200, got {value!r}.")
    return moment


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
    instant = parse_set(body["set"]) if "set" in body else None
    clock = runtime().clock
    start = instant or clock.read().now
    duration = parse_advance(body["advance"], start) if "advance" in body else None
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
