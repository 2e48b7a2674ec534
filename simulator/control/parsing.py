"""Reading control-API bodies: every refusal names the field that was wrong."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import request

from simulator.portal.errors import InvalidRequestError
from simulator.sites import SITE_CODES

T = TypeVar("T")
MISSING: Any = object()


def json_object() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidRequestError("The request body must be a JSON object.")
    return body


def field(body: dict[str, Any], name: str, kind: type[T], default: T = MISSING) -> T:
    """``body[name]`` if it is a ``kind``; a missing one is ``default`` or a refusal."""
    if name not in body or body[name] is None:
        if default is MISSING:
            raise InvalidRequestError(f"{name}: this field is required.")
        return default
    value = body[name]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise InvalidRequestError(f"{name}: expected {kind.__name__}, got {type(value).__name__}.")
    return value


def site_code(value: str | None, name: str = "site") -> str:
    if value not in SITE_CODES:
        raise InvalidRequestError(f"{name}: expected one of {', '.join(SITE_CODES)}.")
    return value


def sites_param() -> tuple[str, ...]:
    """The ``site`` query parameter: one site, or both when it is absent."""
    value = request.args.get("site")
    return SITE_CODES if value is None else (site_code(value),)
