"""Settings: read once from the environment into one typed object.

A missing or malformed value raises :class:`SettingsError` naming the variable;
the CLI prints that one line and exits, so start-up never shows a traceback.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ENVIRONMENTS = ("development", "test", "production")


class SettingsError(Exception):
    """A setting is missing or malformed; the message names the variable."""


class Secret:
    """A string that never shows itself in logs, reprs or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and secrets.compare_digest(self._value, other._value)

    def __hash__(self) -> int:
        return hash(self._value)

    def reveal(self) -> str:
        return self._value


@dataclass(frozen=True)
class Settings:
    env: str
    database_url: str
    redis_url: str | None
    secret_key: Secret
    base_url: str
    smtp_url: str | None
    stripe_secret_key: Secret | None
    stripe_webhook_secret: Secret | None
    stripe_api_base: str | None = None
    var_dir: Path = Path("var")
    session_idle_minutes: int = 60
    session_absolute_hours: int = 12
    staff_session_idle_minutes: int = 20
    max_body_bytes: int = 1_000_000
    mail_from: str = "shortbreaks <no-reply@shortbreaks.invalid>"
    accessibility_contact: str = ""
    hold_minutes: int = 30
    allow_private_calendar_urls: bool = False
    worker_nice: int = 10
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def uses_redis(self) -> bool:
        return self.redis_url is not None

    @property
    def https(self) -> bool:
        return self.base_url.startswith("https://")


_DEV_SECRET_PREFIX = "dev-"  # noqa: S105  # a marker, not a secret


def _url(environ: Mapping[str, str], name: str, schemes: tuple[str, ...]) -> str | None:
    value = environ.get(name, "").strip()
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in schemes:
        raise SettingsError(
            f"{name} must be a URL starting with one of {', '.join(s + '://' for s in schemes)} (got {parts.scheme or 'no scheme'!r})"
        )
    if parts.scheme not in ("sqlite",) and not parts.hostname:
        raise SettingsError(f"{name} must name a host")
    return value


def _int(environ: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number (got {raw!r})") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum} (got {value})")
    return value


def _secret_key(environ: Mapping[str, str], env: str, var_dir: Path) -> Secret:
    raw = environ.get("SECRET_KEY", "").strip()
    if env == "production":
        if not raw:
            raise SettingsError("SECRET_KEY is required when SHORTBREAKS_ENV=production")
        if raw.startswith(_DEV_SECRET_PREFIX) or len(raw) < 32:
            raise SettingsError("SECRET_KEY must be at least 32 characters and not a development key in production")
        return Secret(raw)
    if raw:
        return Secret(raw)
    key_file = var_dir / "secret_key"
    if key_file.exists():
        return Secret(key_file.read_text().strip())
    var_dir.mkdir(parents=True, exist_ok=True)
    value = _DEV_SECRET_PREFIX + secrets.token_urlsafe(48)
    key_file.write_text(value)
    key_file.chmod(0o600)
    return Secret(value)


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build :class:`Settings` from ``environ`` (default ``os.environ``)."""
    environ = os.environ if environ is None else environ
    env = environ.get("SHORTBREAKS_ENV", "development").strip() or "development"
    if env not in ENVIRONMENTS:
        raise SettingsError(f"SHORTBREAKS_ENV must be one of {', '.join(ENVIRONMENTS)} (got {env!r})")
    var_dir = Path(environ.get("SHORTBREAKS_VAR_DIR", "var"))

    database_url = _url(environ, "DATABASE_URL", ("sqlite", "postgres", "postgresql", "asyncpg"))
    if database_url is None:
        database_url = f"sqlite://{(var_dir / 'shortbreaks.sqlite3').as_posix()}"
        var_dir.mkdir(parents=True, exist_ok=True)
    redis_url = _url(environ, "REDIS_URL", ("redis", "rediss", "unix"))
    base_url = _url(environ, "BASE_URL", ("http", "https")) or "http://127.0.0.1:8000"
    smtp_url = _url(environ, "SMTP_URL", ("smtp", "smtps"))
    stripe_key = environ.get("STRIPE_SECRET_KEY", "").strip()
    if stripe_key and not stripe_key.startswith(("sk_", "rk_")):
        raise SettingsError("STRIPE_SECRET_KEY must start with sk_ or rk_")
    webhook_secret = environ.get("STRIPE_WEBHOOK_SECRET", "").strip()
    if webhook_secret and not webhook_secret.startswith("whsec_"):
        raise SettingsError("STRIPE_WEBHOOK_SECRET must start with whsec_")
    if env == "production" and stripe_key and not webhook_secret:
        raise SettingsError("STRIPE_WEBHOOK_SECRET is required when STRIPE_SECRET_KEY is set in production")
    stripe_api_base = _url(environ, "STRIPE_API_BASE", ("http", "https"))

    return Settings(
        env=env,
        database_url=database_url,
        redis_url=redis_url,
        secret_key=_secret_key(environ, env, var_dir),
        base_url=base_url.rstrip("/"),
        smtp_url=smtp_url,
        stripe_secret_key=Secret(stripe_key) if stripe_key else None,
        stripe_webhook_secret=Secret(webhook_secret) if webhook_secret else None,
        stripe_api_base=stripe_api_base,
        var_dir=var_dir,
        session_idle_minutes=_int(environ, "SESSION_IDLE_MINUTES", 60),
        session_absolute_hours=_int(environ, "SESSION_ABSOLUTE_HOURS", 12),
        staff_session_idle_minutes=_int(environ, "STAFF_SESSION_IDLE_MINUTES", 20),
        max_body_bytes=_int(environ, "MAX_BODY_BYTES", 1_000_000),
        mail_from=environ.get("MAIL_FROM", "").strip() or "shortbreaks <no-reply@shortbreaks.invalid>",
        accessibility_contact=environ.get("ACCESSIBILITY_CONTACT", "").strip(),
        hold_minutes=_int(environ, "PAYMENT_HOLD_MINUTES", 30),
        allow_private_calendar_urls=environ.get("ALLOW_PRIVATE_CALENDAR_URLS", "") == "1",
        worker_nice=min(19, _int(environ, "WORKER_NICE", 10, minimum=0)),
    )
