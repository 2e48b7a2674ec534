"""Run the app on a real multi-process WSGI server: gunicorn, or waitress where it cannot run."""

from __future__ import annotations

import importlib.util
import ipaddress
from typing import Any

from flask import Flask

from simulator.app import create_app
from simulator.holders import worker_name
from simulator.portal.processing import BackgroundWorker
from simulator.runtime import Runtime
from simulator.settings import Settings
from simulator.store.checkpoints import Checkpointer
from simulator.store.sweep import Sweeper
from simulator.workers import deadline_thread_worker


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind_address(host: str, port: int) -> str:
    return f"[{host.strip('[]')}]:{port}" if ":" in host else f"{host}:{port}"


def process_app(settings: Settings) -> Flask:
    """The app of one server process and its job thread, started once in that process.

    gunicorn calls this in each worker after the fork, so no thread or connection crosses it.
    """
    runtime = Runtime.open(settings)
    if Checkpointer.wanted(runtime.database):
        Checkpointer(runtime.database).start()
    app = create_app(settings, runtime)
    BackgroundWorker(runtime.processor, name=worker_name()).start()
    Sweeper(
        runtime.database,
        settings.blob_dir,
        settings.orphan_grace_seconds,
        settings.sweep_interval_seconds,
    ).start()
    return app


def run_server(settings: Settings) -> None:
    """Serve until stopped. Storage must already be prepared: workers only open it."""
    if importlib.util.find_spec("gunicorn") is not None:
        _run_gunicorn(settings)
    else:
        _run_waitress(settings)


def gunicorn_options(settings: Settings) -> dict[str, Any]:
    """gunicorn's configuration for these settings."""
    return {
        "bind": bind_address(settings.host, settings.port),
        "workers": settings.workers,
        "threads": settings.threads,
        # As many idle keep-alive connections as threads, beside the connections being served
        # (see workers.py): gunicorn keeps at most this figure minus the threads alive, so with
        # no more connections than threads it kept none, every answer closed its connection,
        # and each request of a client paid a new one (and could reach another worker).
        "worker_connections": 2 * settings.threads,
        "worker_class": deadline_thread_worker(settings.request_timeout_seconds),
        "timeout": 120,
        "graceful_timeout": 10,
        "errorlog": "-",
        "loglevel": settings.log_level,
        "accesslog": "-" if settings.access_log else None,
        "proc_name": "posc-sim",
    }


def _run_gunicorn(settings: Settings) -> None:
    from gunicorn.app.base import BaseApplication

    class PoscSimServer(BaseApplication):  # type: ignore[misc]
        """Workers each build their own app after the fork, so no connection crosses it."""

        def load_config(self) -> None:
            for key, value in gunicorn_options(settings).items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return process_app(settings)

    PoscSimServer().run()


def _run_waitress(settings: Settings) -> None:
    import waitress

    waitress.serve(
        process_app(settings),
        host=settings.host,
        port=settings.port,
        threads=settings.workers * settings.threads,
        channel_timeout=settings.request_timeout_seconds,
    )
