"""Uploads name their account and provider by the keys read at sign-in: checked, not trusted."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.control.seeding import reset_sites
from simulator.portal.batches import IncomingFile
from simulator.portal.errors import NotFoundError
from simulator.runtime import Runtime
from tests.unit.portal.test_access import PASSWORD, open_account


def incoming(runtime: Runtime) -> list[IncomingFile]:
    blob = runtime.blobs.pending("test")
    blob.write(b"PLAIN TEXT UPLOAD\n")
    return [IncomingFile("claims.txt", blob)]


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def test_an_upload_by_an_account_deleted_since_sign_in_is_refused_and_keeps_nothing(
    runtime: Runtime,
) -> None:
    account = runtime.accounts.authenticate("test", open_account(runtime), PASSWORD)
    reset_sites(runtime, ["test"], "demo", seed=7)  # new rows may take the old keys
    before = stored_files(runtime.settings.blob_dir)
    with pytest.raises(NotFoundError, match="no longer exists"):
        runtime.batches.receive(
            account, account.providers[0].provider_id, "837P", incoming(runtime), channel="api"
        )
    assert stored_files(runtime.settings.blob_dir) == before


def test_an_upload_by_a_signed_in_account_is_kept(runtime: Runtime) -> None:
    account = runtime.accounts.authenticate("test", open_account(runtime), PASSWORD)
    receipt = runtime.batches.receive(
        account, account.providers[0].provider_id, "837P", incoming(runtime), channel="api"
    )
    assert receipt.tracking_number is not None
    status = runtime.batches.status(account, receipt.tracking_number)
    assert status.status == "received"
