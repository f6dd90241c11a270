"""The clock. Only routes, jobs and the CLI read it; services take ``now=``.

Tests replace the app's clock with a :class:`FrozenClock` to move time without sleeping.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = at.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self._at += delta


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, microsecond: int = 0) -> datetime:
    """A UTC datetime: ``utc(2026, 3, 29, 9)``."""
    return datetime(year, month, day, hour, minute, second, microsecond, tzinfo=UTC)


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, microsecond: int = 0) -> datetime:
    """A Europe/London wall-clock time as an aware UTC datetime."""
    return datetime(year, month, day, hour, minute, second, microsecond, tzinfo=LONDON).astimezone(UTC)
