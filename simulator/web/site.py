"""One app factory builds either site from its :class:`~simulator.sites.SiteProfile`."""

from __future__ import annotations

import hashlib
import os

from flask import Flask, Response, redirect, url_for
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response as BaseResponse

from simulator.portal.dates import long_date, shown
from simulator.runtime import Runtime
from simulator.sites import SiteProfile
from simulator.web import account, api, auth, batch
from simulator.web.context import attach
from simulator.web.errors import portal_error_response, register_error_handlers
from simulator.web.journaling import note_start, record_request
from simulator.web.uploads import MULTIPART_OVERHEAD, UploadRequest, discard_pending, too_large

SITE_HEADER = "X-POSC-Site"
WORKER_HEADER = "X-POSC-Worker"  # the answering process, for tests of multi-worker behaviour


def create_site_app(runtime: Runtime, profile: SiteProfile, secret_key: str) -> Flask:
    """The pages and API of one site, meant to be mounted under ``profile.url_prefix``."""
    app = Flask(__name__)
    rules = runtime.settings.site(profile.code)
    app.config.update(
        SECRET_KEY=_site_secret(secret_key, profile),
        SESSION_COOKIE_NAME=f"posc_{profile.code}_session",
        SESSION_COOKIE_PATH=profile.url_prefix,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_SSL_STRICT=False,  # the token alone must do, as the contract says
        MAX_FORM_MEMORY_SIZE=1024 * 1024,
        MAX_CONTENT_LENGTH=rules.max_upload_bytes + MULTIPART_OVERHEAD,
    )
    attach(app, runtime, profile)
    CSRFProtect(app).exempt(api.blueprint)
    register_error_handlers(app)
    app.register_blueprint(auth.blueprint)
    app.register_blueprint(account.blueprint)
    app.register_blueprint(api.blueprint)
    app.register_blueprint(batch.blueprint)
    app.request_class = UploadRequest
    app.teardown_request(discard_pending)
    app.register_error_handler(
        RequestEntityTooLarge,
        lambda _error: portal_error_response(too_large(rules.max_upload_bytes)),
    )
    app.add_url_rule("/", "index", _index)
    app.context_processor(lambda: {"site": profile, "today": runtime.clock.now()})
    app.add_template_filter(shown, "us_date")
    app.add_template_filter(long_date, "long_date")

    app.before_request(note_start)
    app.after_request(record_request)

    @app.after_request
    def _label(response: Response) -> Response:
        response.headers[SITE_HEADER] = profile.code
        response.headers[WORKER_HEADER] = str(os.getpid())
        return response

    return app


def _index() -> BaseResponse:
    return redirect(url_for("auth.login"))


def _site_secret(secret_key: str, profile: SiteProfile) -> str:
    """Each site signs its sessions with its own key, so a cookie never crosses sites."""
    return hashlib.sha256(f"{secret_key}:{profile.code}".encode()).hexdigest()
