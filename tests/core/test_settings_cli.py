"""Settings come from the environment once; bad values stop start-up with one clear line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from shortbreaks.settings import SettingsError, load_settings


def test_defaults_give_a_sqlite_database_under_var_and_a_persistent_secret(tmp_path: Path) -> None:
    env = {"SHORTBREAKS_VAR_DIR": str(tmp_path / "var")}
    first = load_settings(env)
    second = load_settings(env)
    assert first.database_url == f"sqlite://{tmp_path / 'var' / 'shortbreaks.sqlite3'}"
    assert first.redis_url is None
    assert first.secret_key == second.secret_key
    assert "dev-" not in repr(first.secret_key)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SHORTBREAKS_ENV": "production"}, "SECRET_KEY is required when SHORTBREAKS_ENV=production"),
        ({"SHORTBREAKS_ENV": "production", "SECRET_KEY": "dev-abc"}, "SECRET_KEY must be at least 32 characters and not a development key"),
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL must be a URL starting with one of"),
        ({"REDIS_URL": "localhost:6379"}, "REDIS_URL must be a URL starting with one of"),
        ({"SMTP_URL": "smtp://"}, "SMTP_URL must name a host"),
        ({"STRIPE_SECRET_KEY": "pk_test_123"}, "STRIPE_SECRET_KEY must start with sk_ or rk_"),
        ({"SHORTBREAKS_ENV": "staging"}, "SHORTBREAKS_ENV input should be 'development', 'test' or 'production'"),
        ({"SESSION_IDLE_MINUTES": "ten"}, "SESSION_IDLE_MINUTES input should be a valid integer"),
        ({"WORKER_NICE": "-5"}, "WORKER_NICE input should be greater than or equal to 0"),
        ({"SHORTBREAKS_JOB_TIMEOUT_S": "0"}, "SHORTBREAKS_JOB_TIMEOUT_S input should be greater than or equal to 1"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT input should be 'json' or 'text'"),
        (
            {"SHORTBREAKS_ENV": "production", "SECRET_KEY": "k" * 40, "STRIPE_SECRET_KEY": "sk_live_1"},
            "STRIPE_WEBHOOK_SECRET is required when STRIPE_SECRET_KEY is set in production",
        ),
    ],
)
def test_a_bad_setting_names_the_variable(env: dict[str, str], message: str, tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings({"SHORTBREAKS_VAR_DIR": str(tmp_path), **env})
    assert message in str(raised.value)


def test_secrets_never_print(tmp_path: Path) -> None:
    settings = load_settings({"SHORTBREAKS_VAR_DIR": str(tmp_path), "SECRET_KEY": "x" * 40, "STRIPE_SECRET_KEY": "sk_test_abc"})
    assert "x" * 40 not in repr(settings)
    assert "sk_test_abc" not in repr(settings)
    assert settings.stripe_secret_key is not None
    assert settings.stripe_secret_key.get_secret_value() == "sk_test_abc"


def test_a_malformed_value_is_named_but_never_echoed(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings({"SHORTBREAKS_VAR_DIR": str(tmp_path), "DATABASE_URL": "mysql://app:hunter2-password@db/x", "PORT": "eighty"})
    assert str(raised.value) == (
        "DATABASE_URL must be a URL starting with one of sqlite://, postgres://, postgresql://, asyncpg://; "
        "PORT input should be a valid integer, unable to parse string as an integer"
    )


def test_every_variable_is_read_from_the_environment_by_settings_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "SHORTBREAKS_VAR_DIR": str(tmp_path),
        "METRICS_TOKEN": "metrics-token",
        "LOG_FORMAT": "json",
        "log_level": "debug",
        "SHORTBREAKS_JOB_TIMEOUT_S": "7",
        "SHORTBREAKS_JOB_OUTBOX_SWEEP_S": "2",
        "WORKER_NICE": "25",
        "HOST": "10.1.2.3",
        "PORT": "9000",
        "WEB_CONCURRENCY": "3",
        "FORWARDED_ALLOW_IPS": "10.0.0.1",
        "MAX_BODY_BYTES": "2048",
        "STRIPE_TIMEOUT_S": "0.5",
        "SMTP_URL": "",
    }.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    assert settings.metrics_token is not None
    assert (settings.metrics_token.get_secret_value(), settings.json_logs, settings.log_level) == ("metrics-token", True, "DEBUG")
    assert (settings.job_timeout_s, settings.job_outbox_sweep_s, settings.worker_nice) == (7, 2, 19)
    assert (settings.host, settings.port, settings.web_concurrency, settings.forwarded_allow_ips) == ("10.1.2.3", 9000, 3, "10.0.0.1")
    assert (settings.max_body_bytes, settings.stripe_timeout_s, settings.smtp_url) == (2048, 0.5, None)


def test_nothing_but_settings_reads_the_environment() -> None:
    root = Path(__file__).resolve().parents[2]
    readers = [
        f"{path.relative_to(root)}:{number}"
        for folder in ("src", "providers", "bookings", "grants")
        for path in sorted((root / folder).rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "os.environ" in line or "getenv" in line
    ]
    assert [reader.split(":")[0] for reader in readers] == ["src/shortbreaks/settings.py"] * len(readers)


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")} | env
    return subprocess.run(
        [sys.executable, "-m", "shortbreaks", *args], capture_output=True, text=True, env=full_env, timeout=60, check=False
    )


def test_the_cli_reports_a_bad_setting_in_one_line_without_a_traceback(tmp_path: Path) -> None:
    result = _cli("migrate", env={"SHORTBREAKS_VAR_DIR": str(tmp_path), "SHORTBREAKS_ENV": "production"})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "shortbreaks: configuration error: SECRET_KEY is required when SHORTBREAKS_ENV=production"
    ]


@pytest.mark.parametrize("command", ["serve", "worker", "migrate", "create-admin", "demo-data"])
def test_every_command_has_help(command: str, tmp_path: Path) -> None:
    result = _cli(command, "--help", env={"SHORTBREAKS_VAR_DIR": str(tmp_path)})
    assert result.returncode == 0
    assert result.stdout.startswith(f"usage: shortbreaks {command}")


def test_migrate_create_admin_and_demo_data_on_a_fresh_database(tmp_path: Path) -> None:
    env = {"SHORTBREAKS_VAR_DIR": str(tmp_path), "SHORTBREAKS_ADMIN_PASSWORD": "admin password 123"}
    assert _cli("migrate", env=env).returncode == 0
    created = _cli("create-admin", "root@example.com", env=env)
    assert created.returncode == 0, created.stderr
    assert "site administrator root@example.com is ready" in created.stdout
    first = _cli("demo-data", env=env)
    assert first.returncode == 0, first.stderr
    assert "demo data loaded" in first.stdout
    assert "family@example.com" in first.stdout
    second = _cli("demo-data", env=env)
    assert second.returncode == 0, second.stderr
    assert "nothing changed" in second.stdout
