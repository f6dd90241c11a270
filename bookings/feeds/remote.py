"""The one boundary to providers' remote calendars: fetch a URL safely, parse busy times.

:func:`fetch_calendar` refuses anything but http and https, resolves the host itself and
refuses private, loopback, link-local and other non-public addresses (unless
``allow_private``, for tests), connects to the address it checked (so a second DNS answer
cannot swap it), follows at most :data:`MAX_REDIRECTS` redirects re-checking each hop,
streams the body and stops at ``max_bytes``, and gives up after ``total_timeout`` seconds.

Failures are :class:`CalendarFetchError` with an :class:`~bookings.feeds.enums.ImportErrorCode`;
``retryable`` says whether trying again later may help (it always will be tried again at the
next scheduled import, so jobs never retry on their own).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx
import recurring_ical_events
from icalendar import Calendar

from bookings.feeds.enums import ImportErrorCode
from shortbreaks.clock import LONDON

MAX_BYTES = 2 * 1024 * 1024
MAX_REDIRECTS = 5
TOTAL_TIMEOUT_S = 20.0
REQUEST_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
USER_AGENT = "shortbreaks-calendar-import/1.0"


class CalendarFetchError(Exception):
    def __init__(self, code: ImportErrorCode, detail: str = "", *, retryable: bool = False) -> None:
        self.code = code
        self.detail = detail
        self.retryable = retryable
        super().__init__(f"{code.value}: {detail}" if detail else code.value)


@dataclass(frozen=True)
class FetchLimits:
    max_bytes: int = MAX_BYTES
    max_redirects: int = MAX_REDIRECTS
    total_timeout: float = TOTAL_TIMEOUT_S


@dataclass(frozen=True)
class BusyTime:
    starts_at: datetime
    ends_at: datetime


def check_url(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an http(s) URL, or :class:`CalendarFetchError` ``invalid_url``."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise CalendarFetchError(ImportErrorCode.INVALID_URL) from None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        raise CalendarFetchError(ImportErrorCode.INVALID_URL)
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved)


async def resolve(host: str, port: int, *, allow_private: bool) -> str:
    """Every address of ``host`` must be public; returns the first to connect to."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise CalendarFetchError(ImportErrorCode.UNREACHABLE, "the host name does not resolve", retryable=True) from exc
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise CalendarFetchError(ImportErrorCode.UNREACHABLE, "the host name does not resolve", retryable=True)
    if not allow_private and not all(is_public_address(a) for a in addresses):
        raise CalendarFetchError(ImportErrorCode.PRIVATE_ADDRESS)
    return addresses[0]


def _pinned(url: str, address: str) -> tuple[str, dict[str, str], dict[str, Any]]:
    """The URL rewritten to the checked address, with the Host header and TLS name of the original."""
    parts = urlsplit(url)
    host = f"[{address}]" if ":" in address else address
    netloc = f"{host}:{parts.port}" if parts.port else host
    target = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    host_header = parts.hostname or ""
    if parts.port:
        host_header += f":{parts.port}"
    extensions = {"sni_hostname": parts.hostname} if parts.scheme == "https" else {}
    return target, {"Host": host_header, "User-Agent": USER_AGENT, "Accept": "text/calendar, */*;q=0.5"}, extensions


async def _fetch(http: httpx.AsyncClient, url: str, *, allow_private: bool, limits: FetchLimits) -> bytes:
    for _hop in range(limits.max_redirects + 1):
        _scheme, host, port = check_url(url)
        address = await resolve(host, port, allow_private=allow_private)
        target, headers, extensions = _pinned(url, address)
        request = http.build_request("GET", target, headers=headers, extensions=extensions, timeout=REQUEST_TIMEOUT)
        try:
            response = await http.send(request, stream=True, follow_redirects=False)
        except httpx.TimeoutException as exc:
            raise CalendarFetchError(ImportErrorCode.TIMEOUT, retryable=True) from exc
        except httpx.HTTPError as exc:
            raise CalendarFetchError(ImportErrorCode.UNREACHABLE, type(exc).__name__, retryable=True) from exc
        try:
            if response.is_redirect:
                location = response.headers.get("location", "")
                if not location:
                    raise CalendarFetchError(ImportErrorCode.HTTP_ERROR, "a redirect without a location")
                url = urljoin(url, location)
                continue
            if response.status_code != 200:
                raise CalendarFetchError(
                    ImportErrorCode.HTTP_ERROR, f"status {response.status_code}", retryable=response.status_code >= 500
                )
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limits.max_bytes:
                raise CalendarFetchError(ImportErrorCode.TOO_LARGE)
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_raw():
                size += len(chunk)
                if size > limits.max_bytes:
                    raise CalendarFetchError(ImportErrorCode.TOO_LARGE)
                chunks.append(chunk)
            return b"".join(chunks)
        except httpx.TimeoutException as exc:
            raise CalendarFetchError(ImportErrorCode.TIMEOUT, retryable=True) from exc
        except httpx.HTTPError as exc:
            raise CalendarFetchError(ImportErrorCode.UNREACHABLE, type(exc).__name__, retryable=True) from exc
        finally:
            await response.aclose()
    raise CalendarFetchError(ImportErrorCode.TOO_MANY_REDIRECTS)


async def fetch_calendar(http: httpx.AsyncClient, url: str, *, allow_private: bool = False, limits: FetchLimits | None = None) -> bytes:
    """The body at ``url``, fetched with every check in this module's docstring."""
    limits = limits or FetchLimits()
    try:
        async with asyncio.timeout(limits.total_timeout):
            return await _fetch(http, url, allow_private=allow_private, limits=limits)
    except TimeoutError:
        raise CalendarFetchError(ImportErrorCode.TIMEOUT, retryable=True) from None


def _as_utc(value: date | datetime, *, end: bool = False) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:  # floating time: read as London wall-clock time
            value = value.replace(tzinfo=LONDON)
        return value.astimezone(UTC)
    # An all-day event: the whole London day (DTEND of an all-day event is already exclusive).
    return datetime(value.year, value.month, value.day, tzinfo=LONDON).astimezone(UTC)


def parse_busy_times(body: bytes, *, since: datetime, until: datetime) -> list[BusyTime]:
    """The busy times in an iCalendar body between ``since`` and ``until``, recurrences expanded.

    Free (``TRANSP:TRANSPARENT``) and cancelled events do not count. Raises
    :class:`CalendarFetchError` ``not_a_calendar`` for anything that is not a VCALENDAR.
    """
    if b"BEGIN:VCALENDAR" not in body[:4096].upper():
        raise CalendarFetchError(ImportErrorCode.NOT_A_CALENDAR)
    try:
        calendar = Calendar.from_ical(body)
        occurrences = recurring_ical_events.of(calendar).between(since, until)
    except Exception as exc:  # icalendar and recurring-ical-events raise many types on bad input
        raise CalendarFetchError(ImportErrorCode.NOT_A_CALENDAR, type(exc).__name__) from exc
    busy = []
    for event in occurrences:
        if event.name != "VEVENT":
            continue
        if str(event.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT" or str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        start = event.get("DTSTART")
        if start is None:
            continue
        starts_at = _as_utc(start.dt)
        end = event.get("DTEND")
        if end is not None:
            ends_at = _as_utc(end.dt)
        elif event.get("DURATION") is not None:
            ends_at = starts_at + event["DURATION"].dt
        elif not isinstance(start.dt, datetime):
            ends_at = _as_utc(start.dt + timedelta(days=1))
        else:
            ends_at = starts_at
        if ends_at > starts_at:
            busy.append(BusyTime(starts_at, ends_at))
    return sorted(busy, key=lambda b: (b.starts_at, b.ends_at))
