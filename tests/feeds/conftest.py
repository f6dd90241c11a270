"""Helpers for the feeds tests: a provider with sessions, families with bookings, two iCalendar parsers,
and a query counter that wraps the database client's execute methods (test-only, our code untouched).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
import vobject
from icalendar import Calendar
from tortoise import connections

from bookings import services as booking_services
from bookings.feeds import services as feed_services
from bookings.models import Booking, Child
from providers.enums import ProviderStatus
from providers.models import Provider, Service, Session
from shortbreaks.accounts.models import Organisation, User
from shortbreaks.clock import LONDON
from shortbreaks.permissions import Principal
from tests.bookings.conftest import NOW, make_child, make_family, make_service

__all__ = ["NOW", "Parsed", "make_booking", "make_child", "make_family", "make_service", "parse_both", "principal_for", "session_at"]


async def session_at(service: Service, starts_at: datetime, ends_at: datetime, *, capacity: int = 5) -> Session:
    local = starts_at.astimezone(LONDON)
    return await Session.create(
        service=service,
        starts_at=starts_at,
        ends_at=ends_at,
        local_date=local.date(),
        local_weekday=local.weekday(),
        capacity=capacity,
    )


async def make_booking(family: User, session: Session, children: list[Child], *, now: datetime = NOW) -> Booking:
    return await booking_services.create_booking(family, session_id=session.id, child_ids=[c.id for c in children], now=now)


async def principal_for(user: User) -> Principal:
    from shortbreaks.accounts.services import load_principal

    return await load_principal(user)


async def family_feed_token(family: User, *, child_id: Any = None) -> str:
    token, _ = await feed_services.create_family_feed(await principal_for(family), child_id=child_id, now=NOW)
    return token


async def publish(service: Service, *, name: str | None = None, address: str = "1 High Street, Birmingham") -> Provider:
    provider = await Provider.get(id=service.provider_id)  # type: ignore[attr-defined]
    provider.status = ProviderStatus.PUBLISHED
    provider.address = address
    provider.contact_phone = "0121 496 0000"
    provider.contact_email = "hello@example.org"
    if name:
        provider.name = name
    await provider.save()
    return provider


@dataclass
class Parsed:
    """What two independent parsers read from a feed: {uid: (start, end, status, sequence, summary)}."""

    icalendar: dict[str, tuple[datetime, datetime, str, int, str]]
    vobject: dict[str, tuple[datetime, datetime, str, int, str]]
    calendar: Calendar


def parse_both(body: bytes) -> Parsed:
    calendar = Calendar.from_ical(body)
    by_icalendar = {
        str(e["UID"]): (e["DTSTART"].dt, e["DTEND"].dt, str(e["STATUS"]), int(e["SEQUENCE"]), str(e["SUMMARY"]))
        for e in calendar.walk("VEVENT")
    }
    parsed = vobject.readOne(io.StringIO(body.decode("utf-8")))
    by_vobject = {
        e.uid.value: (e.dtstart.value, e.dtend.value, e.status.value, int(e.sequence.value), e.summary.value)
        for e in getattr(parsed, "vevent_list", [])
    }
    assert by_icalendar == by_vobject, "the two parsers disagree"
    return Parsed(by_icalendar, by_vobject, calendar)


@pytest.fixture
async def authority() -> Organisation:
    from tests.factories import make_organisation

    return await make_organisation(name="Birmingham City Council")


class QueryCounter:
    def __init__(self) -> None:
        self.count = 0
        self.statements: list[str] = []


@pytest.fixture
def count_queries(monkeypatch: pytest.MonkeyPatch) -> Iterator[QueryCounter]:
    """Count every statement sent through the default connection's execute methods."""
    counter = QueryCounter()
    client = connections.get("default")
    for name in ("execute_query", "execute_query_dict", "execute_insert", "execute_many", "execute_script"):
        original = getattr(client, name)

        def wrapped(*args: Any, __original: Any = original, **kwargs: Any) -> Any:
            counter.count += 1
            counter.statements.append(str(args[0])[:200] if args else "")
            return __original(*args, **kwargs)

        monkeypatch.setattr(client, name, wrapped)
    yield counter
