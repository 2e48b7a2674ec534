"""The download search criteria, read alike from the page's query and the API's."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from simulator.portal.dates import parse_date
from simulator.portal.errors import InvalidRequestError
from simulator.portal.files import DEFAULT_MAX_FILES, MAX_FILES_LIMIT, FileSearch


def file_search(args: MultiDict[str, str]) -> FileSearch:
    def text(name: str) -> str | None:
        value = (args.get(name) or "").strip()
        return value or None

    from_text, to_text, max_text = text("from_date"), text("to_date"), text("max_files")
    if max_text is not None and not (max_text.isascii() and max_text.isdigit()):
        raise InvalidRequestError(
            f"Max Files to List must be a whole number from 1 to {MAX_FILES_LIMIT}."
        )
    return FileSearch(
        provider_id=text("provider_id"),
        tracking_number=text("tracking_number"),
        transaction_type=text("transaction_type"),
        from_date=parse_date(from_text, "From Date") if from_text else None,
        to_date=parse_date(to_text, "To Date") if to_text else None,
        status=(text("status") or "all").lower(),
        max_files=int(max_text) if max_text else DEFAULT_MAX_FILES,
    ).checked()
