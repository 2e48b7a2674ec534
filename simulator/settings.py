"""One settings object, layered from defaults, a TOML file, ``POSC_SIM_*`` variables and flags.

Precedence, lowest first: defaults, the TOML file, environment variables, command-line flags.
Site keys may be overridden per site: ``[sites.test]`` in the TOML file, or
``POSC_SIM_TEST_<KEY>`` / ``POSC_SIM_PROD_<KEY>`` in the environment. A bad value raises
:class:`SettingsError` whose message is one line naming the key and where it came from, so the
CLI can stop with that line instead of a traceback.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from simulator.sites import SITE_CODES

ENV_PREFIX = "POSC_SIM_"


class SettingsError(ValueError):
    """A setting has a value the simulator cannot use; the message names the key."""


Parser = Callable[[Any], Any]


def with_driver(url: str) -> URL:
    """``url`` with the driver the simulator installs (psycopg 3, the ``postgres`` extra) for a
    bare ``postgresql://``, which SQLAlchemy would otherwise take as psycopg2."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg")
    return parsed


def _whole_number(low: int, high: int) -> Parser:
    def parse(raw: Any) -> int:
        if isinstance(raw, bool):
            raise ValueError(f"expected a whole number from {low} to {high}")
        try:
            value = int(str(raw).strip()) if not isinstance(raw, int) else raw
        except ValueError:
            raise ValueError(f"expected a whole number from {low} to {high}") from None
        if not low <= value <= high:
            raise ValueError(f"expected a whole number from {low} to {high}")
        return value

    return parse


def _seconds(raw: Any) -> float:
    if isinstance(raw, bool):
        raise ValueError("expected a number of seconds, 0 or more")
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ValueError("expected a number of seconds, 0 or more") from None
    if value < 0 or value != value or value == float("inf"):
        raise ValueError("expected a number of seconds, 0 or more")
    return value


def _positive_seconds(raw: Any) -> float:
    value = _seconds(raw)
    if value == 0:
        raise ValueError("expected a number of seconds above 0")
    return value


def _choice(*allowed: str) -> Parser:
    def parse(raw: Any) -> str:
        value = str(raw).strip().lower()
        if value not in allowed:
            raise ValueError(f"expected one of {', '.join(allowed)}")
        return value

    return parse


def _flag(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    value = str(raw).strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError("expected true or false")


def _text(raw: Any) -> str:
    if not isinstance(raw, str | int | Path):
        raise ValueError("expected text")
    value = str(raw).strip()
    if not value:
        raise ValueError("expected a value")
    return value


def _optional_text(raw: Any) -> str | None:
    return None if raw in (None, "") else _text(raw)


URL_HINT = "a SQLAlchemy URL such as sqlite:///posc-sim.db or postgresql+psycopg://host/db"


def _database_url(raw: Any) -> str | None:
    """A URL whose dialect and driver are both installed, checked before anything connects."""
    value = _optional_text(raw)
    if value is None:
        return None
    try:
        url = with_driver(value)
        dialect = url.get_dialect()
    except NoSuchModuleError:  # a kind of ArgumentError: first
        raise ValueError(f"no SQLAlchemy dialect is installed for {url.drivername!r}") from None
    except ArgumentError:
        raise ValueError(f"expected {URL_HINT}") from None
    try:
        dialect.import_dbapi()
    except ImportError as missing:
        raise ValueError(
            f"the driver for {url.drivername} is not installed (pip install {missing.name})"
        ) from None
    return value


def _path(raw: Any) -> Path:
    return Path(_text(raw)).expanduser()


HASH_METHOD_PATTERN = re.compile(r"^(scrypt(:\d+:\d+:\d+)?|pbkdf2(:sha256(:\d+)?)?)$")


def _hash_method(raw: Any) -> str:
    value = _text(raw)
    if not HASH_METHOD_PATTERN.match(value):
        raise ValueError("expected scrypt, scrypt:N:r:p, pbkdf2 or pbkdf2:sha256:iterations")
    return value


def _fault_tables(raw: Any) -> tuple[dict[str, Any], ...]:
    """``[[faults]]`` tables; ``serve`` checks each as the control API checks a rule."""
    if not isinstance(raw, list) or not all(isinstance(table, dict) for table in raw):
        raise ValueError("expected [[faults]] tables")
    return tuple(dict(table) for table in raw)


@dataclass(frozen=True)
class SiteSettings:
    """Rules that each site may set for itself (CONTRACT §7)."""

    response_delay_seconds: float = 0.0
    max_upload_files: int = 5
    max_upload_bytes: int = 16 * 1024 * 1024
    max_expanded_bytes: int = 64 * 1024 * 1024
    lockout_attempts: int = 5
    password_max_age_days: int = 90
    archive_after_months: int = 6
    validation: str = "structure"
    session_idle_minutes: int = 20
    certification: str = "off"


SITE_PARSERS: dict[str, Parser] = {
    "response_delay_seconds": _seconds,
    "max_upload_files": _whole_number(1, 1000),
    "max_upload_bytes": _whole_number(1, 2**40),
    "max_expanded_bytes": _whole_number(1, 2**40),
    "lockout_attempts": _whole_number(1, 1000),
    "password_max_age_days": _whole_number(1, 36500),
    "archive_after_months": _whole_number(1, 1200),
    "validation": _choice("structure", "full"),
    "session_idle_minutes": _whole_number(1, 1440),
    "certification": _choice("off", "required"),
}


def _default_workers() -> int:
    return 2 * (os.cpu_count() or 1)


@dataclass(frozen=True)
class Settings:
    """Everything the server needs to start; ``sites`` holds each site's own rules."""

    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = field(default_factory=_default_workers)
    threads: int = 64
    request_timeout_seconds: float = 30.0
    orphan_grace_seconds: float = 600.0
    sweep_interval_seconds: float = 300.0
    data_dir: Path = Path(".posc-sim")
    database_url: str | None = None
    admin_token: str | None = None
    seed: int = 1
    dataset: str = "demo"
    password_hash_method: str = "scrypt"
    journal_enabled: bool = True
    journal_max_entries: int = 100_000
    sync_files: bool = False
    certification_passes: int = 2
    # A job claimed by a process that died (a host killed mid-job) is taken again after this.
    job_lease_seconds: int = 120
    log_level: str = "warning"
    access_log: bool = False
    fault_rules: tuple[dict[str, Any], ...] = ()
    sites: Mapping[str, SiteSettings] = field(
        default_factory=lambda: {code: SiteSettings() for code in SITE_CODES}
    )

    @property
    def resolved_database_url(self) -> str:
        """The configured URL, or the embedded SQLite file inside the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'posc-sim.db').resolve()}"

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "files"

    def site(self, code: str) -> SiteSettings:
        return self.sites[code]


SERVER_PARSERS: dict[str, Parser] = {
    "host": _text,
    "port": _whole_number(0, 65535),
    "workers": _whole_number(1, 256),
    "threads": _whole_number(1, 256),
    "request_timeout_seconds": _positive_seconds,
    "orphan_grace_seconds": _seconds,
    "sweep_interval_seconds": _positive_seconds,
    "data_dir": _path,
    "database_url": _database_url,
    "admin_token": _optional_text,
    "seed": _whole_number(0, 2**63 - 1),
    "dataset": _choice("demo", "empty"),
    "password_hash_method": _hash_method,
    "journal_enabled": _flag,
    "journal_max_entries": _whole_number(1, 100_000_000),
    "sync_files": _flag,
    "certification_passes": _whole_number(1, 100),
    "job_lease_seconds": _whole_number(1, 86_400),
    "log_level": _choice("debug", "info", "warning", "error", "critical"),
    "access_log": _flag,
    "fault_rules": _fault_tables,
}


@dataclass
class _Layer:
    """Raw values from one source, with the name each key had there (for error messages)."""

    source: str
    server: dict[str, tuple[str, Any]] = field(default_factory=dict)
    sites: dict[str, dict[str, tuple[str, Any]]] = field(default_factory=dict)


def _toml_layer(path: Path) -> _Layer:
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except FileNotFoundError:
        raise SettingsError(f"config: file {path} does not exist") from None
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"config: {path} is not valid TOML ({error})") from None
    layer = _Layer(source=f"config file {path}")
    for key, value in document.items():
        if key == "sites":
            _toml_sites(layer, path, value)
        elif key == "faults":
            layer.server["fault_rules"] = ("[[faults]]", value)
        elif key in SERVER_PARSERS or key in SITE_PARSERS:
            layer.server[key] = (key, value)
        else:
            raise SettingsError(f"{key}: unknown setting in config file {path}")
    return layer


def _toml_sites(layer: _Layer, path: Path, value: Any) -> None:
    if not isinstance(value, dict):
        raise SettingsError(f"sites: expected tables [sites.test] and [sites.prod] in {path}")
    for code, table in value.items():
        if code not in SITE_CODES or not isinstance(table, dict):
            raise SettingsError(f"sites.{code}: unknown site in config file {path}")
        for key, raw in table.items():
            if key not in SITE_PARSERS:
                raise SettingsError(f"sites.{code}.{key}: unknown site setting in {path}")
            layer.sites.setdefault(code, {})[key] = (f"sites.{code}.{key}", raw)


def _environment_layer(environ: Mapping[str, str]) -> _Layer:
    layer = _Layer(source="environment")
    for key in (*SERVER_PARSERS, *SITE_PARSERS):
        name = ENV_PREFIX + key.upper()
        if name in environ:
            layer.server[key] = (name, environ[name])
    for code in SITE_CODES:
        for key in SITE_PARSERS:
            name = f"{ENV_PREFIX}{code.upper()}_{key.upper()}"
            if name in environ:
                layer.sites.setdefault(code, {})[key] = (name, environ[name])
    return layer


# Values never echoed in a message: a database URL may carry a password.
SECRET_KEYS = frozenset({"database_url", "admin_token"})


def _parse(key: str, named: tuple[str, Any], source: str, parser: Parser) -> Any:
    name, raw = named
    try:
        return parser(raw)
    except ValueError as error:
        got = "" if key in SECRET_KEYS else f", got {raw!r}"
        raise SettingsError(f"{key}: {error}{got} (from {source}: {name})") from None


# ``POSC_SIM_*`` names read by the simulator's clients and tools, not by the server.
TOOL_VARIABLES = frozenset(
    {
        "CONFIG",
        "URL",
        "SITE_URL",
        "USER_ID",
        "PASSWORD",
        "JSON_ONLY",
        "FAULTS",
        "LOAD_SITE",
        "LOAD_FILE_KB",
        "LOAD_ACCOUNTS",
        "LOAD_KINDS",
        "LOAD_SHAPE",
    }
)


def known_environment_names() -> set[str]:
    site_keys = [f"{code.upper()}_{key.upper()}" for code in SITE_CODES for key in SITE_PARSERS]
    keys = [*SERVER_PARSERS, *SITE_PARSERS]
    return {ENV_PREFIX + name for name in [*TOOL_VARIABLES, *(k.upper() for k in keys), *site_keys]}


def unknown_environment_names(environ: Mapping[str, str] | None = None) -> list[str]:
    """A warning for each ``POSC_SIM_*`` variable nothing reads, naming the nearest known one.

    A mistyped name (``POSC_SIM_PORTT``) would otherwise be ignored without a word.
    """
    environ = os.environ if environ is None else environ
    known = known_environment_names()
    warnings = []
    for name in sorted(n for n in environ if n.startswith(ENV_PREFIX) and n not in known):
        near = difflib.get_close_matches(name, known, n=1, cutoff=0.8)
        hint = f" (did you mean {near[0]}?)" if near else ""
        warnings.append(f"{name} is not a posc-sim setting and is ignored{hint}")
    return warnings


def load_settings(
    *,
    config_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Build the settings: defaults, then ``config_file``, then ``environ``, then ``overrides``.

    ``overrides`` are the command-line flags; a ``None`` value means the flag was not given.
    The config file may also be named by ``POSC_SIM_CONFIG``.
    """
    environ = os.environ if environ is None else environ
    if config_file is None and environ.get(ENV_PREFIX + "CONFIG"):
        config_file = Path(environ[ENV_PREFIX + "CONFIG"])
    layers: list[_Layer] = []
    if config_file is not None:
        layers.append(_toml_layer(config_file))
    layers.append(_environment_layer(environ))
    flags = _Layer(source="command line")
    for key, value in (overrides or {}).items():
        if value is not None:
            flags.server[key] = (f"--{key.replace('_', '-')}", value)
    layers.append(flags)
    return _merge(layers)


def _merge(layers: list[_Layer]) -> Settings:
    server: dict[str, Any] = {}
    shared_site: dict[str, Any] = {}
    per_site: dict[str, dict[str, Any]] = {code: {} for code in SITE_CODES}
    for layer in layers:
        for key, named in layer.server.items():
            if key in SITE_PARSERS:
                value = _parse(key, named, layer.source, SITE_PARSERS[key])
                shared_site[key] = value
                for code in SITE_CODES:
                    per_site[code].pop(key, None)
            else:
                server[key] = _parse(key, named, layer.source, SERVER_PARSERS[key])
        for code, values in layer.sites.items():
            for key, named in values.items():
                per_site[code][key] = _parse(key, named, layer.source, SITE_PARSERS[key])
    base = SiteSettings(**shared_site)
    sites = {code: replace(base, **per_site[code]) for code in SITE_CODES}
    return Settings(**server, sites=sites)
