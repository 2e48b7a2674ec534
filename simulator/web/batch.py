"""The Upload Batch File and Download Batch File pages, and file downloads."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from simulator.portal.access import AccountView
from simulator.portal.errors import PortalError
from simulator.portal.files import FileSearch
from simulator.portal.transactions import download_types, upload_types
from simulator.web.context import runtime, site
from simulator.web.criteria import file_search
from simulator.web.downloads import file_response
from simulator.web.journaling import note_outcome, note_subject
from simulator.web.sessions import current_account, require_sign_in
from simulator.web.uploads import form_and_files

blueprint = Blueprint("batch", __name__, url_prefix="/batch")
blueprint.before_request(require_sign_in)


def _account() -> AccountView:
    account = current_account()
    if account is None:
        raise RuntimeError("require_sign_in did not run")
    return account


def _upload_page(account: AccountView, **context: object) -> str:
    return render_template(
        "upload.html",
        account=account,
        transaction_types=upload_types(),
        limits=runtime().settings.site(site().code),
        **context,
    )


@blueprint.route("/upload", methods=["GET", "POST"])
def upload() -> ResponseReturnValue:
    account = _account()
    if request.method == "GET":
        return _upload_page(account)
    limit = runtime().settings.site(site().code).max_upload_bytes
    try:
        form, files = form_and_files(request, limit)
        provider_id = form.get("provider_id", "")
        note_subject(provider_id=provider_id)
        receipt = runtime().batches.receive(
            account, provider_id, form.get("transaction_type", ""), files
        )
    except PortalError as refusal:
        note_outcome(refusal.code)
        return _upload_page(account, error=refusal.message), refusal.http_status
    note_subject(tracking_number=receipt.tracking_number)
    return render_template("upload_done.html", account=account, receipt=receipt)


@blueprint.get("/download")
def download() -> ResponseReturnValue:
    account = _account()
    context = {"account": account, "transaction_types": download_types(), "args": request.args}
    try:
        criteria = file_search(request.args)
        provider_id, files = runtime().files.search(account, criteria)
        note_subject(provider_id=provider_id)
    except PortalError as refusal:
        note_outcome(refusal.code)
        page = render_template(
            "download.html", criteria=FileSearch(), error=refusal.message, files=None, **context
        )
        return page, refusal.http_status
    return render_template("download.html", criteria=criteria, files=files, **context)


@blueprint.get("/files/<file_id>")
def file(file_id: str) -> ResponseReturnValue:
    as_zip = file_id.endswith(".zip")
    return file_response(_account(), file_id.removesuffix(".zip"), as_zip)
