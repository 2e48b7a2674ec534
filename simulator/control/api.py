"""The ``/_sim/v1`` control API."""

from __future__ import annotations

import hmac

from flask import Blueprint, Flask, Response, jsonify, request

from simulator.control import (
    certification,
    dashboard,
    directory,
    faults,
    files,
    journal,
    metrics,
    state,
)
from simulator.control.openapi import document as openapi_document
from simulator.control.seeding import seeded_sites
from simulator.runtime import Runtime
from simulator.sites import SITE_CODES
from simulator.store.migrate import is_current
from simulator.web.context import attach, runtime
from simulator.web.operations import install
from simulator.web.refusals import RefusalAnswer, answer, register_error_handlers

blueprint = Blueprint("control", __name__, url_prefix="/v1")


@blueprint.get("/health")
def health() -> Response:
    return jsonify({"status": "ok"})


@blueprint.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 document of the JSON API and this control API."""
    return Response(openapi_document(), mimetype="application/json")


@blueprint.get("/ready")
def ready() -> tuple[Response, int]:
    """200 once the schema is current and every site has been seeded; 503 before."""
    services = runtime()
    if not is_current(services.database.engine):
        return jsonify({"status": "migrating"}), 503
    missing = [site for site in SITE_CODES if site not in seeded_sites(services)]
    if missing:
        return jsonify({"status": "seeding", "sites_not_ready": missing}), 503
    return jsonify({"status": "ready"}), 200


def _require_admin_token() -> Response | None:
    token = runtime().settings.admin_token
    if token is None or request.blueprint == dashboard.blueprint.name:
        return None  # the dashboard's pages hold no data; their calls carry the token
    scheme, _, offered = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(offered.strip().encode(), token.encode()):
        return None
    refusal = answer(
        RefusalAnswer(
            "invalid_credentials",
            "The control API needs 'Authorization: Bearer <admin token>'.",
            401,
        )
    )
    # A Bearer challenge: a Basic one makes browsers prompt.
    refusal.headers["WWW-Authenticate"] = 'Bearer realm="posc-sim control"'
    return refusal


def create_control_app(services: Runtime) -> Flask:
    """The control app, meant to be mounted under ``/_sim``."""
    app = Flask(__name__)
    attach(app, services)
    install(app, default_channel="control")
    register_error_handlers(app)
    app.before_request(_require_admin_token)
    app.register_blueprint(blueprint)
    app.register_blueprint(directory.blueprint)
    app.register_blueprint(journal.blueprint)
    app.register_blueprint(files.blueprint)
    app.register_blueprint(state.blueprint)
    app.register_blueprint(faults.blueprint)
    app.register_blueprint(metrics.blueprint)
    app.register_blueprint(certification.blueprint)
    app.register_blueprint(dashboard.blueprint)
    return app
