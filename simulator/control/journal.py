"""``/_sim/v1/journal``: read and clear what happened."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from simulator.control.parsing import site_code
from simulator.faults.actions import CHANNELS
from simulator.portal.errors import InvalidRequestError
from simulator.portal.journal import DEFAULT_LIMIT, JournalQuery
from simulator.web.context import runtime

blueprint = Blueprint("journal", __name__, url_prefix="/v1")
MAX_LIMIT = 100_000


def _whole_number(name: str, low: int, high: int) -> int | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        raise InvalidRequestError(f"{name}: expected a whole number from {low} to {high}.")
    return int(raw)


def _channel() -> str | None:
    """The ``channel`` filter: one of the ways in, so a misspelt one is not an empty list."""
    raw = request.args.get("channel")
    if raw is not None and raw not in CHANNELS:
        raise InvalidRequestError(f"channel: expected one of {', '.join(CHANNELS)}.")
    return raw


@blueprint.get("/journal")
def entries() -> Response:
    site = request.args.get("site")
    query = JournalQuery(
        site=site_code(site) if site is not None else None,
        channel=_channel(),
        operation=request.args.get("operation"),
        user_id=request.args.get("user_id"),
        provider_id=request.args.get("provider_id"),
        tracking_number=request.args.get("tracking_number"),
        since=_whole_number("since", 0, 2**62),
        limit=_whole_number("limit", 1, MAX_LIMIT) or DEFAULT_LIMIT,
    )
    return jsonify({"entries": runtime().journal.entries(query)})


@blueprint.delete("/journal")
def clear() -> tuple[str, int]:
    site = request.args.get("site")
    runtime().journal.clear(site_code(site) if site is not None else None)
    return "", 204
