"""Multipart uploads streamed straight into the blob store, never held whole in memory.

Werkzeug asks the request for a file object to write each uploaded part into; ours hands it a
:class:`~simulator.store.blobs.PendingBlob`, so each byte is written once, into the file that
becomes the stored blob. Whatever the domain did not commit is discarded when the request
ends, so a refused or aborted upload leaves no file behind.
"""

from __future__ import annotations

from typing import IO, Any

from flask import Request, g
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import BadRequest, ClientDisconnected, RequestEntityTooLarge
from werkzeug.formparser import FormDataParser

from simulator.portal.batches import IncomingFile
from simulator.portal.errors import InvalidRequestError, UploadTooLargeError
from simulator.store.blobs import PendingBlob
from simulator.web.context import runtime, site

PENDING_KEY = "pending_blobs"
MULTIPART_OVERHEAD = 256 * 1024  # room for part headers and form fields around the files
CHUNK = 64 * 1024


class UploadRequest(Request):
    """A request whose uploaded parts stream into pending blobs, and whose broken body is an error.

    Werkzeug's parser is silent by default: a body cut off mid-file parses as an empty form.
    Here it raises, and the request answers 400 saying the upload was incomplete. The parser
    also stops at the closing boundary; the body must then still be as long as its
    ``Content-Length`` said, or the client is still sending (or lost) part of it.
    """

    def __init__(self, environ: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        self._received = CountingInput(environ["wsgi.input"])
        environ["wsgi.input"] = self._received
        super().__init__(environ, *args, **kwargs)

    def make_form_data_parser(self) -> FormDataParser:
        return self.form_data_parser_class(
            stream_factory=self._get_file_stream,
            max_form_memory_size=self.max_form_memory_size,
            max_content_length=self.max_content_length,
            max_form_parts=self.max_form_parts,
            cls=self.parameter_storage_class,
            silent=False,
        )

    def _load_form_data(self) -> None:
        try:
            super()._load_form_data()
            self._read_to_the_end()
        except (ValueError, ClientDisconnected):
            raise BadRequest(
                "The upload was cut off or is not a well-formed multipart/form-data body; "
                "nothing of it was kept. Send it again."
            ) from None

    def _read_to_the_end(self) -> None:
        """Read what follows the closing boundary; a body short of its length is an error.

        A server that ends the stream itself (gunicorn) returns less than was announced when
        the client closes early, without an error, so the bytes are counted here.
        """
        while self.stream.read(CHUNK):
            pass
        announced = self.content_length
        if announced is not None and self._received.count < announced:
            raise ClientDisconnected()

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        blob = runtime().blobs.pending(site().code)
        g.setdefault(PENDING_KEY, []).append(blob)
        return blob  # type: ignore[return-value]  # file-like: write, read, seek


class CountingInput:
    """``wsgi.input`` that counts the bytes the client actually sent."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        self.count += len(data)
        return data

    def readline(self, size: int = -1) -> bytes:
        data = self._stream.readline(size)
        self.count += len(data)
        return data


def discard_pending(_error: BaseException | None = None) -> None:
    """``teardown_request``: drop every uploaded part that did not become part of a batch."""
    for blob in g.pop(PENDING_KEY, []):
        blob.discard()


def uploaded_files(storages: list[FileStorage]) -> list[IncomingFile]:
    """The parts of ``files`` that carry a file; browsers send empty parts for unused inputs."""
    incoming = []
    for storage in storages:
        blob = storage.stream
        if not isinstance(blob, PendingBlob):
            raise InvalidRequestError("files: expected file parts of a multipart/form-data body.")
        if not storage.filename and blob.size == 0:
            continue
        incoming.append(IncomingFile(name=storage.filename or "", blob=blob))
    return incoming


def form_and_files(request: Request, limit_bytes: int) -> tuple[Any, list[IncomingFile]]:
    """Parse the body once; a body over the limit is refused while it is read."""
    if request.mimetype != "multipart/form-data":
        raise InvalidRequestError(
            "An upload is a multipart/form-data body with the fields provider_id, "
            f"transaction_type and files; this one was {request.mimetype or 'not typed'}."
        )
    try:
        form = request.form
        files = uploaded_files(request.files.getlist("files"))
    except RequestEntityTooLarge:
        raise too_large(limit_bytes) from None
    return form, files


def too_large(limit_bytes: int) -> UploadTooLargeError:
    return UploadTooLargeError(
        f"The upload is larger than the limit of {limit_bytes:,} bytes "
        f"({limit_bytes / 1048576:g} MB). Upload fewer files at once, or compress them."
    )
