"""Streaming a response file, as ``.dat`` or as a zip, to pages and API alike."""

from __future__ import annotations

from flask import Response, request
from werkzeug.wsgi import wrap_file

from simulator.portal.access import AccountView
from simulator.portal.files import zipped
from simulator.web.context import runtime
from simulator.web.journaling import entry_within


def file_response(account: AccountView, file_id: str, as_zip: bool) -> Response:
    view, handle = runtime().files.download(account, file_id, also_record=entry_within(200))
    if as_zip:
        handle = zipped(view, handle)
        name, mimetype, size = f"{view.file_name}.zip", "application/zip", None
    else:
        name, mimetype, size = f"{view.file_name}.dat", "application/octet-stream", view.size
    response = Response(
        wrap_file(request.environ, handle), mimetype=mimetype, direct_passthrough=True
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    if size is not None:
        response.content_length = size
    return response
