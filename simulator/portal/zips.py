"""Unpacking uploaded zips safely: each member becomes a file of the batch, or nothing does.

Refused, with a message that says why: a corrupt or encrypted zip, a zip inside the zip,
more members than :data:`MAX_MEMBERS`, member names that climb out of the folder or are
absolute (zip slip), and members that expand past a sane size or ratio (zip bombs). Sizes are
counted while extracting, never taken from the zip's own headers.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from simulator.portal.errors import EmptyUploadError, InvalidRequestError, UploadTooLargeError
from simulator.store.blobs import BlobStore, StoredBlob

MAX_MEMBERS = 100
MAX_RATIO = 200
RATIO_APPLIES_ABOVE = 1024 * 1024
CHUNK = 1024 * 1024
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
UNSAFE_NAME = re.compile(r"(^[/\\])|(^[A-Za-z]:)|[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class ZipMember:
    name: str
    blob: StoredBlob


def looks_like_zip(name: str, head: bytes) -> bool:
    return name.lower().endswith(".zip") or head[:4] in ZIP_MAGIC


def extract_members(
    source: IO[bytes], zip_name: str, blobs: BlobStore, site: str, budget: ExpansionBudget
) -> list[ZipMember]:
    """Store every member of the zip as a blob; on any refusal, store none of them.

    ``budget`` is shared by every file of the upload, so five zips cannot each expand to the
    limit.
    """
    extracted: list[ZipMember] = []
    try:
        with _open_zip(source, zip_name) as archive:
            members = _checked_members(archive, zip_name)
            for info in members:
                blob = _extract(archive, info, blobs, site, budget, zip_name)
                extracted.append(ZipMember(info.filename, blob))
    except BaseException:
        for member in extracted:
            blobs.delete(member.blob.key)
        raise
    return extracted


def _extract(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    blobs: BlobStore,
    site: str,
    budget: ExpansionBudget,
    zip_name: str,
) -> StoredBlob:
    try:
        with archive.open(info) as stream:
            return blobs.write_chunks(site, _counted(stream, info, budget, zip_name))
    except (zipfile.BadZipFile, EOFError, zlib.error) as error:
        raise InvalidRequestError(_corrupt(zip_name, info.filename, error)) from None
    except NotImplementedError:
        raise InvalidRequestError(
            f"{info.filename} in {zip_name} uses a compression method that is not "
            "supported; use deflate."
        ) from None


def _corrupt(zip_name: str, member: str, error: BaseException) -> str:
    """The refusal of a zip whose member cannot be read; the reader's own words when it has any."""
    detail = str(error).strip()
    reason = f": {detail}" if detail else ""
    return f"{zip_name} is corrupt: {member} cannot be read{reason}."


def _open_zip(source: IO[bytes], zip_name: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(source)
    except (zipfile.BadZipFile, EOFError, ValueError):
        raise InvalidRequestError(f"{zip_name} is not a readable zip file.") from None


def _checked_members(archive: zipfile.ZipFile, zip_name: str) -> list[zipfile.ZipInfo]:
    members = [info for info in archive.infolist() if not info.is_dir()]
    if not members:
        raise EmptyUploadError(f"{zip_name} holds no files.")
    if len(members) > MAX_MEMBERS:
        raise InvalidRequestError(
            f"{zip_name} holds {len(members)} files; a zip may hold at most {MAX_MEMBERS}."
        )
    for info in members:
        _check_member(info, zip_name)
    return members


def _check_member(info: zipfile.ZipInfo, zip_name: str) -> None:
    name = info.filename
    if UNSAFE_NAME.search(name) or ".." in re.split(r"[/\\]", name):
        raise InvalidRequestError(
            f"{zip_name} contains the unsafe member name {name!r} (absolute, '..' or control "
            "characters)."
        )
    if info.flag_bits & 0x1:
        raise InvalidRequestError(f"{zip_name} is encrypted; upload it without a password.")
    if name.lower().endswith(".zip"):
        raise InvalidRequestError(
            f"{zip_name} contains another zip ({name}); zips inside zips are not accepted."
        )
    if info.file_size == 0:
        raise EmptyUploadError(f"{name} in {zip_name} is empty.")


class ExpansionBudget:
    """The bytes all files of one upload, zip members counted as expanded, may come to."""

    def __init__(self, limit: int) -> None:
        self.left = limit
        self.limit = limit

    def spend(self, size: int) -> None:
        self.left -= size
        if self.left < 0:
            raise UploadTooLargeError(
                f"The files of this upload, zips counted as expanded, come to more than "
                f"{self.limit:,} bytes ({self.limit / 1048576:g} MB); upload fewer or smaller "
                "files at once."
            )


def _counted(
    stream: IO[bytes], info: zipfile.ZipInfo, budget: ExpansionBudget, zip_name: str
) -> Iterator[bytes]:
    written = 0
    while chunk := stream.read(CHUNK):
        if written == 0 and chunk[:4] in ZIP_MAGIC:
            raise InvalidRequestError(
                f"{zip_name} contains another zip ({info.filename}); "
                "zips inside zips are not accepted."
            )
        written += len(chunk)
        budget.spend(len(chunk))
        if written > RATIO_APPLIES_ABOVE and written > MAX_RATIO * max(info.compress_size, 1):
            raise InvalidRequestError(
                f"{info.filename} in {zip_name} expands more than {MAX_RATIO} times "
                "its compressed size; it looks like a zip bomb."
            )
        yield chunk
