"""The benchmark's baseline: the least a Flask app can do, to compare posc-sim against.

    gunicorn --worker-class gthread ... loadtests.bare_apps:app

``GET /`` is a hello world: the ceiling of Flask under gunicorn on this machine.
``POST /upload`` saves the multipart part ``files`` to ``BARE_UPLOAD_DIR`` and answers with a
name for it, the least any upload endpoint does: what posc-sim's upload is measured against.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from flask import Flask, abort, jsonify, request
from flask.typing import ResponseReturnValue

UPLOAD_DIR = Path(os.environ.get("BARE_UPLOAD_DIR", "bare-uploads"))

app = Flask("bare")


@app.get("/")
def hello() -> str:
    return "Hello, World!"


@app.post("/upload")
def upload() -> ResponseReturnValue:
    stored = request.files.get("files")
    if stored is None:
        abort(400)
    target = UPLOAD_DIR / uuid.uuid4().hex
    stored.save(target)
    return jsonify({"tracking_number": target.name, "size": target.stat().st_size}), 201
