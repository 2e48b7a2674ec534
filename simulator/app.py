"""The whole server as one WSGI app: landing page at ``/``, the sites, and the control API."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from simulator.control.api import create_control_app
from simulator.faults.middleware import FaultMiddleware
from simulator.runtime import Runtime
from simulator.settings import Settings
from simulator.sites import SITES
from simulator.web import landing
from simulator.web.errors import register_error_handlers
from simulator.web.site import create_site_app
from simulator.web.wsgi import WSGIApplication

CONTROL_PREFIX = "/_sim"


def create_app(settings: Settings, runtime: Runtime | None = None) -> Flask:
    """Build the server's app on prepared storage (see :meth:`Runtime.prepare_storage`).

    Building an app starts nothing: a server process starts its job thread itself
    (:func:`simulator.server.process_app`); tests run jobs inline.
    """
    services = runtime or Runtime.open(settings)
    secret_key = services.secret_key()
    app = Flask("simulator.web")
    app.config["SECRET_KEY"] = secret_key
    register_error_handlers(app)
    app.register_blueprint(landing.blueprint)
    mounts: dict[str, WSGIApplication] = {
        profile.url_prefix: FaultMiddleware(
            create_site_app(services, profile, secret_key),
            profile,
            services.faults,
            services.journal,
        )
        for profile in SITES.values()
    }
    mounts[CONTROL_PREFIX] = create_control_app(services)
    app.wsgi_app = DispatcherMiddleware(app.wsgi_app, mounts)  # type: ignore[method-assign]
    return app
