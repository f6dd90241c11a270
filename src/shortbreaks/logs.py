"""Logging: JSON lines in production (text in development), each with the request id.

Private feed tokens in request paths are redacted before anything is written, so access
logs never hold a working calendar URL.
"""

from __future__ import annotations

import json
import logging
import logging.config
import re
from datetime import UTC, datetime
from typing import Any

from shortbreaks.audit import request_id_var

_FEED_TOKEN = re.compile(r"(/feeds/[fp]/)[A-Za-z0-9_-]{8,}")
_TOKEN_PATHS = re.compile(r"(/(?:verify-email|invitations|reset-password)/)[A-Za-z0-9_.=-]{8,}")


def redact(text: str) -> str:
    """Hide secrets that travel in URLs: private feed tokens, verification, invitation and password-reset links."""
    return _TOKEN_PATHS.sub(r"\1[redacted]", _FEED_TOKEN.sub(r"\1[redacted]", text))


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.args = tuple(
                redact(a) if isinstance(a, str) else a for a in (record.args if isinstance(record.args, tuple) else (record.args,))
            )
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "") or request_id_var.get(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def logging_config(*, json_format: bool, level: str = "INFO", access_log: bool = True) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for our loggers, uvicorn's, gunicorn's and arq's; every line redacted."""
    formatter: dict[str, Any] = {"()": JsonFormatter} if json_format else {"format": TEXT_FORMAT}
    handler = {"class": "logging.StreamHandler", "formatter": "default", "filters": ["redact"], "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": RedactingFilter}},
        "formatters": {"default": formatter},
        "handlers": {"default": handler},
        "root": {"handlers": ["default"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": level, "propagate": False},
            "uvicorn.error": {"handlers": ["default"], "level": level, "propagate": False},
            "uvicorn.access": {"handlers": ["default"] if access_log else [], "level": level, "propagate": False},
            "gunicorn.error": {"handlers": ["default"], "level": level, "propagate": False},
            "arq": {"handlers": ["default"], "level": level, "propagate": False},
        },
    }


def configure_server_logging(*, json_format: bool, level: str) -> None:
    """Our logging in a server process (``shortbreaks.asgi``), keeping the server's choice of
    access log: gunicorn gives uvicorn's access logger a handler only with ``--access-logfile``
    (``shortbreaks serve`` passes it outside production or with ``--access-log``), so a logger
    with handlers means "log requests". Ours replace them, so request paths are redacted too."""
    access_log = bool(logging.getLogger("uvicorn.access").handlers)
    logging.config.dictConfig(logging_config(json_format=json_format, level=level, access_log=access_log))
