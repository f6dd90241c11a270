"""Availability rules as RFC 5545 RRULEs over London wall-clock time, and bank holidays.

What we accept (``parse_rrule``): ``FREQ`` DAILY, WEEKLY or MONTHLY only (a session is
at least a day apart from the next of its rule), ``INTERVAL`` 1–52, ``COUNT`` up to 500,
``UNTIL`` as a date, and the ``BY…`` parts of dates (BYDAY, BYMONTHDAY, BYMONTH,
BYSETPOS, WKST). The time of day comes from the rule's ``start_time``, so BYHOUR,
BYMINUTE and BYSECOND are refused, as is DTSTART (the rule's ``valid_from`` is the start).
COUNT and UNTIL are optional: materialisation never looks past its horizon (16 weeks by
default), so an endless rule is still bounded.

Times: each occurrence is a London date and time, made aware in Europe/London and stored
in UTC, so a 10:00 Saturday session is 10:00 in London on both sides of a clock change.
A start inside the spring-forward gap (e.g. 01:30 on the last Sunday of March) takes the
offset before the change (it becomes 02:30 BST). Durations are real elapsed time.
"""

from __future__ import annotations

import calendar
import functools
from datetime import UTC, date, datetime, time, timedelta

from dateutil.rrule import rrulestr
from govuk_bank_holidays.bank_holidays import BankHolidays

from shortbreaks.clock import LONDON

ALLOWED_FREQ = {"DAILY", "WEEKLY", "MONTHLY"}
ALLOWED_PARTS = {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS", "WKST"}
MAX_COUNT = 500


def parse_rrule(text: str) -> str:
    """The rule in a normal form (upper case, no ``RRULE:``, UNTIL as a date); ``ValueError`` with a reason otherwise."""
    raw = (text or "").strip().upper().removeprefix("RRULE:")
    if not raw:
        raise ValueError("Enter a repeat rule, like FREQ=WEEKLY;BYDAY=SA")
    parts: dict[str, str] = {}
    for piece in raw.split(";"):
        if not piece:
            continue
        key, sep, value = piece.partition("=")
        if not sep or not value:
            raise ValueError(f"{piece!r} is not NAME=VALUE")
        if key not in ALLOWED_PARTS:
            raise ValueError(f"{key} is not allowed in a repeat rule: the time of day comes from the start time")
        parts[key] = value
    if parts.get("FREQ") not in ALLOWED_FREQ:
        raise ValueError("FREQ must be DAILY, WEEKLY or MONTHLY")
    if "COUNT" in parts and "UNTIL" in parts:
        raise ValueError("Use COUNT or UNTIL, not both")
    if "INTERVAL" in parts and not (parts["INTERVAL"].isdigit() and 1 <= int(parts["INTERVAL"]) <= 52):
        raise ValueError("INTERVAL must be a whole number from 1 to 52")
    if "COUNT" in parts and not (parts["COUNT"].isdigit() and 1 <= int(parts["COUNT"]) <= MAX_COUNT):
        raise ValueError(f"COUNT must be a whole number from 1 to {MAX_COUNT}")
    if "UNTIL" in parts:
        until = parts["UNTIL"][:8]
        try:
            datetime.strptime(until, "%Y%m%d")  # noqa: DTZ007  # a date, no time of day
        except ValueError:
            raise ValueError("UNTIL must be a date, like 20261231") from None
        parts["UNTIL"] = until + "T235959"
    normal = ";".join(f"{k}={v}" for k, v in parts.items())
    try:
        rrulestr(normal, dtstart=datetime(2026, 1, 1))  # noqa: DTZ001  # London wall-clock time, made aware later
    except (ValueError, TypeError) as exc:
        raise ValueError(f"The repeat rule is not valid: {exc}") from None
    return normal


RRULE_DAYS = {"mon": "MO", "tue": "TU", "wed": "WE", "thu": "TH", "fri": "FR", "sat": "SA", "sun": "SU"}


def weekly_rrule(weekdays: list[str], *, every_weeks: int = 1) -> str:
    """The RRULE for days of the week (``mon``…``sun``), every ``every_weeks`` weeks: ``FREQ=WEEKLY;BYDAY=TU,SA``."""
    days = [RRULE_DAYS[d] for d in sorted(set(weekdays), key=list(RRULE_DAYS).index)]
    if not days:
        raise ValueError("Select at least one day")
    interval = f";INTERVAL={every_weeks}" if every_weeks > 1 else ""
    # WKST=MO: "every 2 weeks" counts Monday-to-Sunday weeks, as people do.
    return parse_rrule(f"FREQ=WEEKLY{interval};BYDAY={','.join(days)}" + (";WKST=MO" if every_weeks > 1 else ""))


def describe_rrule(rrule: str) -> str | None:
    """A weekly rule in words ("Every Tuesday and Saturday", "Every 2 weeks on Saturday"); ``None`` for any other rule."""
    parts = dict(piece.partition("=")[::2] for piece in rrule.split(";") if piece)
    if parts.get("FREQ") != "WEEKLY" or set(parts) - {"FREQ", "INTERVAL", "BYDAY", "WKST"} or "BYDAY" not in parts:
        return None
    names = {code: calendar.day_name[i] for i, code in enumerate(RRULE_DAYS.values())}
    days = [names.get(code) for code in parts["BYDAY"].split(",")]
    if None in days:
        return None
    listed = " and ".join([", ".join(str(d) for d in days[:-1]), str(days[-1])] if len(days) > 1 else [str(days[0])])
    interval = int(parts.get("INTERVAL", "1"))
    return f"Every {listed}" if interval == 1 else f"Every {interval} weeks on {listed}"


def parse_start_time(text: str) -> time:
    return datetime.strptime(text, "%H:%M").time()  # noqa: DTZ007  # a wall-clock time of day


def occurrences(
    rrule: str, *, start_time: str, valid_from: date, valid_until: date | None, after: datetime, until: datetime
) -> list[datetime]:
    """UTC starts of the rule's occurrences with ``after < start <= until`` (both aware)."""
    local_start = datetime.combine(valid_from, parse_start_time(start_time))
    rule = rrulestr(rrule, dtstart=local_start)
    window_from = (after.astimezone(LONDON) - timedelta(days=1)).replace(tzinfo=None)
    window_to = (until.astimezone(LONDON) + timedelta(days=1)).replace(tzinfo=None)
    found = []
    for local in rule.between(window_from, window_to, inc=True):
        if valid_until is not None and local.date() > valid_until:
            break
        starts_at = local.replace(tzinfo=LONDON).astimezone(UTC)
        if after < starts_at <= until:
            found.append(starts_at)
    return found


@functools.cache
def bank_holidays() -> frozenset[date]:
    """England and Wales bank holidays from the data bundled with ``govuk-bank-holidays`` (never downloaded)."""
    holidays = BankHolidays(use_cached_holidays=True)
    return frozenset(h["date"] for h in holidays.get_holidays(division=BankHolidays.ENGLAND_AND_WALES))
