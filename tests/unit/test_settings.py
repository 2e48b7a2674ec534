from __future__ import annotations

from pathlib import Path

import pytest

from simulator.settings import SettingsError, load_settings, unknown_environment_names


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "posc-sim.toml"
    path.write_text(text)
    return path


def test_defaults_follow_the_contract() -> None:
    settings = load_settings(environ={})
    assert settings.host == "127.0.0.1"
    assert settings.port == 8080
    assert settings.data_dir == Path(".posc-sim")
    assert settings.admin_token is None
    for code in ("test", "prod"):
        site = settings.site(code)
        assert site.response_delay_seconds == 0
        assert site.max_upload_files == 5
        assert site.max_upload_bytes == 16_777_216
        assert site.max_expanded_bytes == 64 * 1024 * 1024
        assert site.lockout_attempts == 5
        assert site.password_max_age_days == 90
        assert site.archive_after_months == 6
        assert site.validation == "structure"


def test_default_database_is_sqlite_in_the_data_directory(tmp_path: Path) -> None:
    settings = load_settings(environ={"POSC_SIM_DATA_DIR": str(tmp_path)})
    assert settings.resolved_database_url == f"sqlite:///{tmp_path.resolve()}/posc-sim.db"


def test_toml_then_environment_then_flags(tmp_path: Path) -> None:
    config = write_config(tmp_path, 'port = 9000\nhost = "127.0.0.2"\nworkers = 3\n')
    environ = {"POSC_SIM_PORT": "9100", "POSC_SIM_WORKERS": "5"}
    settings = load_settings(config_file=config, environ=environ, overrides={"port": 9200})
    assert settings.host == "127.0.0.2"  # only the file set it
    assert settings.workers == 5  # environment beats the file
    assert settings.port == 9200  # the flag beats both


def test_flags_left_unset_do_not_override(tmp_path: Path) -> None:
    settings = load_settings(environ={"POSC_SIM_PORT": "9100"}, overrides={"port": None})
    assert settings.port == 9100


def test_config_file_can_be_named_by_environment(tmp_path: Path) -> None:
    config = write_config(tmp_path, "max_upload_files = 2\n")
    settings = load_settings(environ={"POSC_SIM_CONFIG": str(config)})
    assert settings.site("test").max_upload_files == 2


def test_per_site_overrides_from_toml_and_environment(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        "response_delay_seconds = 5\n[sites.prod]\nresponse_delay_seconds = 60\n"
        'validation = "full"\n',
    )
    settings = load_settings(config_file=config, environ={"POSC_SIM_TEST_LOCKOUT_ATTEMPTS": "3"})
    assert settings.site("test").response_delay_seconds == 5
    assert settings.site("prod").response_delay_seconds == 60
    assert settings.site("prod").validation == "full"
    assert settings.site("test").validation == "structure"
    assert settings.site("test").lockout_attempts == 3
    assert settings.site("prod").lockout_attempts == 5


def test_a_later_source_beats_an_earlier_site_override(tmp_path: Path) -> None:
    config = write_config(tmp_path, "[sites.test]\nmax_upload_files = 2\n")
    settings = load_settings(config_file=config, environ={"POSC_SIM_MAX_UPLOAD_FILES": "4"})
    assert settings.site("test").max_upload_files == 4


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"POSC_SIM_PORT": "eighty"}, "port"),
        ({"POSC_SIM_PORT": "70000"}, "port"),
        ({"POSC_SIM_MAX_UPLOAD_FILES": "0"}, "max_upload_files"),
        ({"POSC_SIM_RESPONSE_DELAY_SECONDS": "-1"}, "response_delay_seconds"),
        ({"POSC_SIM_VALIDATION": "strict"}, "validation"),
        ({"POSC_SIM_PROD_ARCHIVE_AFTER_MONTHS": "six"}, "archive_after_months"),
        ({"POSC_SIM_PASSWORD_HASH_METHOD": "md5"}, "password_hash_method"),
    ],
)
def test_bad_environment_values_name_the_key(environ: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(environ=environ)
    message = str(caught.value)
    assert message.startswith(f"{named}:")
    assert next(iter(environ)) in message
    assert "\n" not in message


def test_bad_toml_value_names_the_key_and_file(tmp_path: Path) -> None:
    config = write_config(tmp_path, "[sites.test]\nmax_upload_bytes = 'lots'\n")
    with pytest.raises(SettingsError, match=r"^max_upload_bytes: .*sites\.test\.max_upload_bytes"):
        load_settings(config_file=config, environ={})


def test_unknown_toml_keys_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"^max_uploads: unknown setting"):
        load_settings(config_file=write_config(tmp_path, "max_uploads = 3\n"), environ={})
    with pytest.raises(SettingsError, match=r"^sites\.staging: unknown site"):
        load_settings(config_file=write_config(tmp_path, "[sites.staging]\nport=1\n"), environ={})


def test_missing_or_broken_config_file(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings(config_file=tmp_path / "nope.toml", environ={})
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings(config_file=write_config(tmp_path, "port = = 1\n"), environ={})


def test_certification_is_required_per_site_and_its_passes_are_one_number(tmp_path: Path) -> None:
    config = tmp_path / "posc-sim.toml"
    config.write_text('certification_passes = 3\n[sites.prod]\ncertification = "required"\n')
    settings = load_settings(config_file=config, environ={})
    assert settings.certification_passes == 3
    assert settings.site("prod").certification == "required"
    assert settings.site("test").certification == "off"
    assert load_settings(environ={}).certification_passes == 2
    with pytest.raises(SettingsError, match="certification: expected one of off, required"):
        load_settings(environ={"POSC_SIM_PROD_CERTIFICATION": "sometimes"})
    with pytest.raises(SettingsError, match="certification_passes"):
        load_settings(environ={"POSC_SIM_CERTIFICATION_PASSES": "0"})


def test_an_empty_host_says_one_clear_line() -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings(environ={}, overrides={"host": ""})
    assert str(refused.value) == "host: expected a value, got '' (from command line: --host)"


def test_the_request_timeout_is_a_positive_number_of_seconds() -> None:
    assert load_settings(environ={}).request_timeout_seconds == 30
    assert (
        load_settings(environ={"POSC_SIM_REQUEST_TIMEOUT_SECONDS": "2.5"}).request_timeout_seconds
        == 2.5
    )
    with pytest.raises(SettingsError, match="request_timeout_seconds"):
        load_settings(environ={"POSC_SIM_REQUEST_TIMEOUT_SECONDS": "0"})


def test_unknown_posc_sim_names_are_warned_about_and_tool_variables_are_not() -> None:
    environ = {
        "POSC_SIM_PORTT": "9000",
        "POSC_SIM_TEST_LOCKOUT_ATTEMPT": "3",
        "POSC_SIM_URL": "http://127.0.0.1:8080",
        "POSC_SIM_LOAD_SITE": "prod",
        "POSC_SIM_PROD_VALIDATION": "full",
        "HOME": "/root",
    }
    assert unknown_environment_names(environ) == [
        "POSC_SIM_PORTT is not a posc-sim setting and is ignored (did you mean POSC_SIM_PORT?)",
        "POSC_SIM_TEST_LOCKOUT_ATTEMPT is not a posc-sim setting and is ignored "
        "(did you mean POSC_SIM_TEST_LOCKOUT_ATTEMPTS?)",
    ]


def test_a_database_url_is_checked_for_its_dialect_and_driver_without_echoing_it() -> None:
    for url, problem in (
        ("notaurl://x", "no SQLAlchemy dialect is installed for 'notaurl'"),
        ("no url at all", "expected a SQLAlchemy URL"),
        ("postgresql+pg8000://u:pw@h/db", "the driver for postgresql+pg8000 is not installed"),
    ):
        with pytest.raises(SettingsError) as caught:
            load_settings(environ={"POSC_SIM_DATABASE_URL": url})
        assert str(caught.value).startswith(f"database_url: {problem}")
        assert url not in str(caught.value)
    assert load_settings(environ={"POSC_SIM_DATABASE_URL": "sqlite://"}).database_url == "sqlite://"
    bare = "postgresql://u:pw@h/db"  # means psycopg 3, which the postgres extra installs
    assert load_settings(environ={"POSC_SIM_DATABASE_URL": bare}).database_url == bare
