"""iCalendar (RFC 5545, with RFC 7986 ``NAME`` and ``REFRESH-INTERVAL``): the only place feeds are written.

The writer is small and hand-made rather than built on ``icalendar``'s object model: a
10,000-event provider feed must render in well under a second, and the output must be the
same bytes for the same data (no random UIDs, no clock). Tests parse every feed back with
``icalendar`` and ``vobject``.

- Times are UTC (``…Z``) and no VTIMEZONE is written: every parser agrees on UTC, including
  for an overnight stay across a clock change (23 or 25 hours).
- ``DTSTAMP`` is the event's last modification, never the clock, so a feed is stable.
- TEXT values escape backslash, semicolon, comma and newlines; lines fold at 75 octets without
  splitting a UTF-8 character.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

# Bump when the output changes shape, so every ETag changes with it.
FORMAT_VERSION = "1"
PRODID = "-//shortbreaks//Calendar feeds 1.0//EN"
REFRESH = "PT1H"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    """One event, in our words; :func:`render_calendar` turns it into a VEVENT."""

    uid: str
    starts_at: datetime
    ends_at: datetime
    summary: str
    location: str
    description: str
    url: str
    sequence: int
    last_modified: datetime
    cancelled: bool = False
    tentative: bool = False


@dataclass(frozen=True, slots=True)
class CalendarFeed:
    name: str
    description: str
    events: tuple[CalendarEvent, ...]
    last_modified: datetime


def escape_text(value: str) -> str:
    """An RFC 5545 TEXT value: ``\\`` ``;`` ``,`` and newlines escaped, other control characters dropped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROL.sub("", value)
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> bytes:
    """One content line, folded at 75 octets (continuations start with a space), ending CRLF."""
    raw = line.encode("utf-8")
    if len(raw) <= 75:
        return raw + b"\r\n"
    parts = []
    start, limit, size = 0, 75, len(raw)
    while start < size:
        end = min(start + limit, size)
        # Never cut a UTF-8 sequence: back up over continuation bytes (10xxxxxx).
        while end < size and (raw[end] & 0xC0) == 0x80:
            end -= 1
        parts.append(raw[start:end])
        start, limit = end, 74
    return b"\r\n ".join(parts) + b"\r\n"


def format_utc(value: datetime) -> str:
    value = value.astimezone(UTC)
    return f"{value.year:04d}{value.month:02d}{value.day:02d}T{value.hour:02d}{value.minute:02d}{value.second:02d}Z"


def _uri(value: str) -> str:
    # A URI value is not TEXT-escaped, but must stay on its (folded) line.
    return _CONTROL.sub("", value.replace("\r", "").replace("\n", ""))


def _event_lines(event: CalendarEvent) -> list[str]:
    stamp = format_utc(event.last_modified)
    status = "CANCELLED" if event.cancelled else "TENTATIVE" if event.tentative else "CONFIRMED"
    lines = [
        "BEGIN:VEVENT",
        "UID:" + escape_text(event.uid),
        "DTSTAMP:" + stamp,
        "LAST-MODIFIED:" + stamp,
        "DTSTART:" + format_utc(event.starts_at),
        "DTEND:" + format_utc(event.ends_at),
        f"SEQUENCE:{event.sequence}",
        "STATUS:" + status,
        "SUMMARY:" + escape_text(event.summary),
    ]
    if event.location:
        lines.append("LOCATION:" + escape_text(event.location))
    if event.description:
        lines.append("DESCRIPTION:" + escape_text(event.description))
    if event.url:
        lines.append("URL:" + _uri(event.url))
    lines.append("TRANSP:" + ("TRANSPARENT" if event.cancelled else "OPAQUE"))
    lines.append("END:VEVENT")
    return lines


def _calendar_lines(feed: CalendarFeed) -> Iterable[str]:
    yield "BEGIN:VCALENDAR"
    yield "VERSION:2.0"
    yield "PRODID:" + PRODID
    yield "CALSCALE:GREGORIAN"
    yield "METHOD:PUBLISH"
    yield "NAME:" + escape_text(feed.name)
    yield "X-WR-CALNAME:" + escape_text(feed.name)
    if feed.description:
        yield "DESCRIPTION:" + escape_text(feed.description)
        yield "X-WR-CALDESC:" + escape_text(feed.description)
    yield "REFRESH-INTERVAL;VALUE=DURATION:" + REFRESH
    yield "X-PUBLISHED-TTL:" + REFRESH
    for event in feed.events:
        yield from _event_lines(event)
    yield "END:VCALENDAR"


def render_calendar(feed: CalendarFeed) -> bytes:
    """The feed as an iCalendar stream (``text/calendar; charset=utf-8``)."""
    return b"".join(fold(line) for line in _calendar_lines(feed))


def fingerprint(feed: CalendarFeed) -> str:
    """A digest of everything :func:`render_calendar` reads: equal digests mean equal bytes.

    Cheaper than rendering, so a conditional request can be answered without writing the feed.
    """
    digest = hashlib.sha256(FORMAT_VERSION.encode())
    digest.update(repr((feed.name, feed.description)).encode())
    for event in feed.events:
        digest.update(repr(event).encode())
    return digest.hexdigest()[:40]
