"""``/_sim/v1/files`` and ``/_sim/v1/batches``: outbound files and what became of uploads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, Response, jsonify
from sqlalchemy import select
from sqlalchemy.orm import Session

from posc_sim_fixtures.answers import GENERATED_ANSWERS, generated_answer
from posc_sim_fixtures.outbound import (
    GENERATED_X12,
    generated_content,
    generated_remittance,
    generated_x12,
)
from simulator.control.parsing import field, json_object, site_code
from simulator.portal.access import ProviderView
from simulator.portal.accounts import find_provider
from simulator.portal.errors import InvalidRequestError, NotFoundError
from simulator.portal.files import files_of_batch, one_set_numbers, place_file
from simulator.portal.transactions import download_type
from simulator.sites import SITES
from simulator.store.files import FileOwner
from simulator.store.members import Roster
from simulator.store.models import Batch, Provider, SiteState
from simulator.store.sequences import next_value
from simulator.web.context import runtime

blueprint = Blueprint("files", __name__, url_prefix="/v1")


@blueprint.post("/files")
def place() -> tuple[Response, int]:
    """Place an outbound file: given ``content``, or ``generate: true`` for made-up content."""
    body = json_object()
    site = site_code(field(body, "site", str))
    provider_id = field(body, "provider_id", str)
    kind = download_type(field(body, "transaction_type", str))
    content = field(body, "content", str, "")
    generate = field(body, "generate", bool, False)
    available_text = field(body, "available_at", str, "")
    if bool(content) == generate:
        raise InvalidRequestError("content: give either content or generate: true, not both.")
    services = runtime()
    now = services.clock.now()
    available_at = _instant(available_text) if available_text else now
    with services.database.transaction() as session:
        provider = find_provider(session, site, provider_id)
        if provider is None:
            raise NotFoundError(f"provider_id: there is no provider {provider_id} on {site}.")
        data = content.encode() if content else _generated(session, site, kind.code, provider, now)
        blob = services.blobs.write_bytes(site, data)
        try:
            owner = FileOwner(site, provider.id, provider.provider_id)
            record = place_file(session, owner, kind.code, blob, now=now, available_at=available_at)
        except BaseException:
            services.blobs.delete(blob.key)
            raise
        placed = {
            "site": site,
            "provider_id": provider_id,
            "file_id": record.file_id,
            "file_name": record.file_name,
            "transaction_type": record.transaction_type,
            "size": record.size,
            "date_available": record.date_available.isoformat(),
        }
    return jsonify(placed), 201


def _generated(session: Session, site: str, code: str, provider: Provider, now: datetime) -> bytes:
    """Made-up content of ``code`` for the provider: X12 from the fixture builders (or the
    simulator's own answer to a request they build), other types as a plain report."""
    state = session.get(SiteState, site)
    seed = state.seed if state else 0
    if code == "835":
        return generated_remittance(provider, now, seed, *one_set_numbers(session, site))
    if code in GENERATED_X12:
        return generated_x12(code, provider.provider_id, SITES[site].usage_indicator, now, seed)
    if code in GENERATED_ANSWERS:
        return generated_answer(
            code,
            profile=SITES[site],
            provider=ProviderView(provider.provider_id, provider.name, provider.npi, provider.id),
            now=now,
            seed=seed,
            numbers=_SessionNumbers(session, site),
            roster=Roster(runtime().database),
        )
    return generated_content(code, provider.provider_id, now, seed)


@dataclass(frozen=True)
class _SessionNumbers:
    """The site's counters, taken in the placing transaction: numbers of a file that is not
    placed after all go back with its rollback."""

    session: Session
    site: str

    def take(self, name: str) -> int:
        return next_value(self.session, self.site, name)


def _instant(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidRequestError(f"available_at: {text!r} is not an ISO 8601 time.") from None
    if moment.tzinfo is None:
        raise InvalidRequestError("available_at: give the time with its offset.")
    return moment


@blueprint.get("/batches/<site>/<tracking_number>")
def batch(site: str, tracking_number: str) -> Response:
    site = site_code(site)
    services = runtime()
    with services.database.reading() as session:
        found = session.execute(
            select(Batch, Provider.provider_id)
            .join(Provider, Provider.id == Batch.provider_pk)
            .where(Batch.site == site, Batch.tracking_number == tracking_number)
        ).first()
        if found is None:
            raise NotFoundError(f"There is no upload {tracking_number} on the {site} site.")
        record, provider_id = found
        files = files_of_batch(session, record.id, record.tracking_number, None)
        return jsonify(
            {
                "site": site,
                "tracking_number": record.tracking_number,
                "provider_id": provider_id,
                "transaction_type": record.transaction_type,
                "status": record.status,
                "received_at": record.received_at.isoformat(),
                "files": [
                    {"name": f.name, "size": f.size, "sha256": f.sha256} for f in record.files
                ],
                "report": record.report,
                "response_files": [
                    {
                        "file_id": view.file_id,
                        "file_name": view.file_name,
                        "transaction_type": view.transaction_type,
                        "size": view.size,
                        "date_available": view.date_available.isoformat(),
                        "date_last_downloaded": (
                            view.date_last_downloaded.isoformat()
                            if view.date_last_downloaded
                            else None
                        ),
                    }
                    for view in files
                ],
            }
        )
