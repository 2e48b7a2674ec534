"""The Upload Batch File and Download Batch File pages, and file downloads."""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue

from simulator.errors import RefusalError
from simulator.portal.access import AccountView
from simulator.portal.files import FileSearch
from simulator.portal.transactions import download_types, upload_types
from simulator.web.context import runtime, site
from simulator.web.criteria import file_search
from simulator.web.downloads import file_response
from simulator.web.journaling import note_subject
from simulator.web.operations import Door
from simulator.web.refusals import refused
from simulator.web.sessions import current_account, require_sign_in
from simulator.web.uploads import form_and_files

blueprint = Door("batch", __name__, channel="web", url_prefix="/batch")
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
        transaction_types=upload_types("web"),
        limits=runtime().settings.site(site().code),
        **context,
    )


@blueprint.route("/upload", methods=["GET", "POST"], operation="upload", journaled=["POST"])
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
            account, provider_id, form.get("transaction_type", ""), files, channel="web"
        )
    except RefusalError as refusal:
        return _upload_page(account, error=refusal.message), refused(refusal)
    note_subject(tracking_number=receipt.tracking_number)
    return render_template("upload_done.html", account=account, receipt=receipt)


@blueprint.get("/download", operation="search")
def download() -> ResponseReturnValue:
    account = _account()
    context = {"account": account, "transaction_types": download_types(), "args": request.args}
    try:
        criteria = file_search(request.args)
        provider_id, files = runtime().files.search(account, criteria)
        note_subject(provider_id=provider_id)
    except RefusalError as refusal:
        page = render_template(
            "download.html", criteria=FileSearch(), error=refusal.message, files=None, **context
        )
        return page, refused(refusal)
    return render_template("download.html", criteria=criteria, files=files, **context)


@blueprint.get("/files/<file_id>", operation="download")
def file(file_id: str) -> ResponseReturnValue:
    as_zip = file_id.endswith(".zip")
    return file_response(_account(), file_id.removesuffix(".zip"), as_zip)
