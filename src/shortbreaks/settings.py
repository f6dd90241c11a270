"""Settings: every environment variable the app reads, read here once into one typed object.

:class:`Settings` is a pydantic-settings ``BaseSettings``: ``Settings()`` reads ``os.environ``,
:func:`load_settings` reads another mapping (tests). A missing or malformed value raises
:class:`SettingsError` with one line naming the variable and never its value (a password in a
URL, a key); the CLI prints that line and exits, so start-up never shows a traceback. Secrets are
``SecretStr``: they print as ``**********`` and give their value only to ``get_secret_value()``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, Self
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, SecretStr, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

ENVIRONMENTS = ("development", "test", "production")
_DEV_SECRET_PREFIX = "dev-"  # noqa: S105  # a marker, not a secret


class SettingsError(Exception):
    """A setting is missing or malformed; the message names the variable, never its value."""


def _url(*schemes: str) -> AfterValidator:
    def check(value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in schemes:
            raise ValueError(f"must be a URL starting with one of {', '.join(s + '://' for s in schemes)}")
        if parts.scheme != "sqlite" and not parts.hostname:
            raise ValueError("must name a host")
        return value

    return AfterValidator(check)


def _prefixed(*prefixes: str) -> AfterValidator:
    def check(value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith(prefixes):
            raise ValueError(f"must start with {' or '.join(prefixes)}")
        return value

    return AfterValidator(check)


Minutes = Annotated[int, Field(ge=1)]
Seconds = Annotated[int, Field(ge=1)]


class Settings(BaseSettings):
    """The app's configuration (README, "Configuration", lists every variable)."""

    model_config = SettingsConfigDict(
        frozen=True,
        hide_input_in_errors=True,  # a malformed DATABASE_URL must not print its password
        env_ignore_empty=True,  # VAR= means "not set", as a blank form field does
        str_strip_whitespace=True,
        extra="ignore",
    )

    env: Literal["development", "test", "production"] = Field("development", validation_alias="SHORTBREAKS_ENV")
    var_dir: Path = Field(Path("var"), validation_alias="SHORTBREAKS_VAR_DIR")
    database_url: Annotated[str, _url("sqlite", "postgres", "postgresql", "asyncpg")] = Field(
        default_factory=lambda data: f"sqlite://{(data['var_dir'] / 'shortbreaks.sqlite3').as_posix()}", validation_alias="DATABASE_URL"
    )
    redis_url: Annotated[str | None, _url("redis", "rediss", "unix")] = Field(None, validation_alias="REDIS_URL")
    # ``shortbreaks serve`` (gunicorn); its --host and --port options win, and set these for its workers.
    host: str = Field("127.0.0.1", validation_alias="HOST")
    port: int = Field(8000, ge=0, le=65535, validation_alias="PORT")
    # Without BASE_URL, the address the server listens on (HOST and PORT), so links in emails and
    # feeds reach the server that made them (``make run PORT=8101`` hands out links on 8101).
    base_url: Annotated[str, _url("http", "https"), AfterValidator(lambda url: url.rstrip("/"))] = Field(
        default_factory=lambda data: local_base_url(data["host"], data["port"]), validation_alias="BASE_URL"
    )
    # Validated when absent too: outside production a missing key is made once into var/secret_key.
    secret_key: SecretStr = Field(SecretStr(""), validation_alias="SECRET_KEY", validate_default=True)
    smtp_url: Annotated[str | None, _url("smtp", "smtps")] = Field(None, validation_alias="SMTP_URL")
    mail_from: str = Field("shortbreaks <no-reply@shortbreaks.invalid>", validation_alias="MAIL_FROM")
    stripe_secret_key: Annotated[SecretStr | None, _prefixed("sk_", "rk_")] = Field(None, validation_alias="STRIPE_SECRET_KEY")
    stripe_webhook_secret: Annotated[SecretStr | None, _prefixed("whsec_")] = Field(None, validation_alias="STRIPE_WEBHOOK_SECRET")
    stripe_api_base: Annotated[str | None, _url("http", "https")] = Field(None, validation_alias="STRIPE_API_BASE")
    stripe_timeout_s: float = Field(5.0, gt=0, validation_alias="STRIPE_TIMEOUT_S")
    session_idle_minutes: Minutes = Field(60, validation_alias="SESSION_IDLE_MINUTES")
    session_absolute_hours: int = Field(12, ge=1, validation_alias="SESSION_ABSOLUTE_HOURS")
    staff_session_idle_minutes: Minutes = Field(20, validation_alias="STAFF_SESSION_IDLE_MINUTES")
    max_body_bytes: int = Field(1_000_000, ge=1, validation_alias="MAX_BODY_BYTES")
    accessibility_contact: str = Field("", validation_alias="ACCESSIBILITY_CONTACT")
    hold_minutes: Minutes = Field(30, validation_alias="PAYMENT_HOLD_MINUTES")
    allow_private_calendar_urls: bool = Field(False, validation_alias="ALLOW_PRIVATE_CALENDAR_URLS")
    metrics_token: SecretStr | None = Field(None, validation_alias="METRICS_TOKEN")
    log_format: Literal["json", "text"] | None = Field(None, validation_alias="LOG_FORMAT")
    log_level: Annotated[str, AfterValidator(str.upper)] = Field("INFO", validation_alias="LOG_LEVEL")
    # Jobs: keep timeouts short, a killed worker's job runs again only after the longest + 10 s.
    job_timeout_s: Seconds = Field(60, validation_alias="SHORTBREAKS_JOB_TIMEOUT_S")
    job_outbox_sweep_s: Seconds = Field(5, validation_alias="SHORTBREAKS_JOB_OUTBOX_SWEEP_S")
    worker_nice: Annotated[int, Field(ge=0), AfterValidator(lambda nice: min(19, nice))] = Field(10, validation_alias="WORKER_NICE")
    web_concurrency: int = Field(1, ge=1, validation_alias="WEB_CONCURRENCY")
    forwarded_allow_ips: str = Field("127.0.0.1", validation_alias="FORWARDED_ALLOW_IPS")
    # ``shortbreaks create-admin`` asks for the password when this is not set.
    admin_password: SecretStr | None = Field(None, validation_alias="SHORTBREAKS_ADMIN_PASSWORD")
    # Evidence files families send with applications (entitlements.storage): a local folder
    # outside the web root (default <var_dir>/evidence), or an S3-compatible bucket when one is named.
    evidence_max_bytes: int = Field(10 * 1024 * 1024, ge=1, validation_alias="EVIDENCE_MAX_BYTES")
    evidence_dir: Path | None = Field(None, validation_alias="EVIDENCE_DIR")
    evidence_s3_bucket: str | None = Field(None, validation_alias="EVIDENCE_S3_BUCKET")
    evidence_s3_endpoint: Annotated[str | None, _url("http", "https")] = Field(None, validation_alias="EVIDENCE_S3_ENDPOINT")
    evidence_s3_region: str = Field("eu-west-2", validation_alias="EVIDENCE_S3_REGION")
    evidence_s3_access_key: SecretStr | None = Field(None, validation_alias="EVIDENCE_S3_ACCESS_KEY")
    evidence_s3_secret_key: SecretStr | None = Field(None, validation_alias="EVIDENCE_S3_SECRET_KEY")

    @field_validator("secret_key")
    @classmethod
    def _secret_key(cls, value: SecretStr, info: ValidationInfo) -> SecretStr:
        raw = value.get_secret_value()
        if info.data.get("env") == "production":
            if not raw:
                raise ValueError("is required when SHORTBREAKS_ENV=production")
            if raw.startswith(_DEV_SECRET_PREFIX) or len(raw) < 32:
                raise ValueError("must be at least 32 characters and not a development key in production")
            return value
        if raw:
            return value
        return SecretStr(_development_secret(info.data.get("var_dir", Path("var"))))

    @model_validator(mode="after")
    def _production_webhooks(self) -> Self:
        if self.is_production and self.stripe_secret_key and not self.stripe_webhook_secret:
            raise ValueError("STRIPE_WEBHOOK_SECRET is required when STRIPE_SECRET_KEY is set in production")
        return self

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def uses_redis(self) -> bool:
        return self.redis_url is not None

    @property
    def https(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def json_logs(self) -> bool:
        """JSON log lines: ``LOG_FORMAT``, else JSON in production and text elsewhere."""
        return self.log_format == "json" if self.log_format else self.is_production


class _MappingSettings(Settings):
    """:class:`Settings` from the keyword arguments only (a mapping given to :func:`load_settings`), not ``os.environ``."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def local_base_url(host: str, port: int) -> str:
    """``http://HOST:PORT``: the base URL when ``BASE_URL`` is not set. A wildcard address (``0.0.0.0``,
    ``::``) is reached on the loopback one; an IPv6 address goes in brackets."""
    host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)  # noqa: S104  # compared, not bound
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def pass_listen_address(host: str, port: int) -> None:
    """Set ``HOST`` and ``PORT`` for the processes ``shortbreaks serve`` starts (gunicorn's workers,
    uvicorn's reloader), which read their settings again: the command line's ``--host`` and
    ``--port`` then make their base URL when ``BASE_URL`` is not set."""
    os.environ["HOST"], os.environ["PORT"] = host, str(port)


def _development_secret(var_dir: Path) -> str:
    """Outside production, a key made once and kept in ``var/secret_key`` (so sessions survive restarts)."""
    key_file = var_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    value = _DEV_SECRET_PREFIX + secrets.token_urlsafe(48)
    key_file.write_text(value)
    key_file.chmod(0o600)
    return value


def _one_line(exc: ValidationError) -> str:
    """``DATABASE_URL must be a URL …; PORT …``: each error with the variable it is about, no input."""
    parts = []
    for error in exc.errors(include_url=False, include_input=False):
        if error["type"] == "default_factory_not_called":  # a default that needed the value that failed
            continue
        message = str(error["msg"]).removeprefix("Value error, ")
        field = Settings.model_fields.get(str(error["loc"][0])) if error["loc"] else None
        where = str(field.validation_alias) if field is not None else ".".join(str(part) for part in error["loc"])
        parts.append(f"{where} {message[0].lower()}{message[1:]}" if where else message)
    return "; ".join(parts)


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """:class:`Settings` from ``environ`` (default ``os.environ``); :class:`SettingsError` if a value is wrong."""
    try:
        if environ is None or environ is os.environ:
            settings = Settings()
        else:
            # As the environment source reads them: names in any case, an empty value is unset.
            values: dict[str, Any] = {name.upper(): value for name, value in environ.items() if value.strip()}
            settings = _MappingSettings(**values)
    except ValidationError as exc:
        raise SettingsError(_one_line(exc)) from None
    if settings.database_url == f"sqlite://{(settings.var_dir / 'shortbreaks.sqlite3').as_posix()}":
        settings.var_dir.mkdir(parents=True, exist_ok=True)  # the default database's folder
    return settings
