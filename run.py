#!/usr/bin/env python3
"""Run posc-sim from a fresh clone with nothing but Python 3.11+.

    python3 run.py serve [posc-sim serve options]   # the simulator, with demo data
    python3 run.py test  [pytest options]           # the whole test suite
    python3 run.py posc-sim ARGS...                 # any other posc-sim command
    python3 run.py tox ARGS...                      # lint, typing and tests through tox

The first call makes a virtual environment in ``.venv`` and installs the project with its
development tools; later calls reuse it and reinstall only when ``pyproject.toml`` changed.
``test`` also installs Debian's Chromium for the browser tests, where it is missing and the
user is root (as on a fresh CI machine).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".posc-sim-installed"
MINIMUM_PYTHON = (3, 11)
CHROMIUM = Path("/usr/bin/chromium")  # Debian's Chromium, which the browser tests drive


def venv_bin(name: str) -> Path:
    folder = "Scripts" if os.name == "nt" else "bin"
    suffix = ".exe" if os.name == "nt" else ""
    return VENV / folder / f"{name}{suffix}"


def wanted_stamp() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def ensure_environment() -> None:
    if not venv_bin("python").exists():
        print("posc-sim: creating .venv (first run only)", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    if STAMP.exists() and STAMP.read_text() == wanted_stamp():
        return
    print("posc-sim: installing the project and its tools into .venv", file=sys.stderr)
    python = str(venv_bin("python"))
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
    subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[dev]"], check=True, cwd=ROOT
    )
    STAMP.write_text(wanted_stamp())


def ensure_browser() -> None:
    """Install Debian's Chromium for the browser tests where it is missing and we are root.

    Test tools' own browser downloads cannot be relied on; the distribution's package can.
    Where it cannot be installed, the browser tests skip and say why.
    """
    if CHROMIUM.exists() or os.name != "posix" or shutil.which("apt-get") is None:
        return
    if os.geteuid() != 0:
        return
    print("posc-sim: installing Chromium for the browser tests (apt-get)", file=sys.stderr)
    quiet = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for step in (["update", "-qq"], ["install", "-y", "-qq", "chromium"]):
        if subprocess.run(["apt-get", *step], env=quiet, check=False).returncode != 0:
            print("posc-sim: could not install Chromium; browser tests will skip", file=sys.stderr)
            return


def command_for(arguments: list[str]) -> list[str]:
    if not arguments:
        raise SystemExit(__doc__)
    verb, rest = arguments[0], arguments[1:]
    if verb == "serve":
        return [str(venv_bin("posc-sim")), "serve", *rest]
    if verb == "test":
        return [str(venv_bin("python")), "-m", "pytest", "-n", "auto", *rest]
    if verb in {"posc-sim", "tox", "pytest", "ruff", "mypy"}:
        return [str(venv_bin(verb)), *rest]
    raise SystemExit(f"unknown command {verb!r}\n{__doc__}")


def main() -> int:
    if sys.version_info < MINIMUM_PYTHON:
        raise SystemExit("posc-sim needs Python 3.11 or newer")
    command = command_for(sys.argv[1:])
    ensure_environment()
    if sys.argv[1] == "test":
        ensure_browser()
    os.chdir(ROOT)
    if os.name != "nt":
        os.execv(command[0], command)  # the server or test run takes this process's place
    return subprocess.call(command)


if __name__ == "__main__":
    sys.exit(main())
