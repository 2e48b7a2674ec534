"""What a view may ask of the app it runs in: the site profile and the shared runtime."""

from __future__ import annotations

from flask import Flask, current_app

from simulator.runtime import Runtime
from simulator.sites import SiteProfile

RUNTIME_KEY = "posc_sim.runtime"
SITE_KEY = "posc_sim.site"


def attach(app: Flask, runtime: Runtime, profile: SiteProfile | None = None) -> None:
    app.extensions[RUNTIME_KEY] = runtime
    if profile is not None:
        app.extensions[SITE_KEY] = profile


def runtime() -> Runtime:
    value: Runtime = current_app.extensions[RUNTIME_KEY]
    return value


def site() -> SiteProfile:
    value: SiteProfile = current_app.extensions[SITE_KEY]
    return value
