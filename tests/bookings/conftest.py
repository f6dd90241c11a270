"""Factories and fixtures for the bookings tests: a provider with a service and sessions, families, children."""

from __future__ import annotations

import itertools
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date, datetime, timedelta
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from starlette.applications import Starlette

from bookings import services
from bookings.models import Allocation, Child
from providers.enums import BookingMode, ServiceKind, StaffRatio
from providers.models import Provider, Service, Session
from shortbreaks import jobs, mail
from shortbreaks.accounts.enums import OrganisationKind, Role
from shortbreaks.accounts.models import Membership, Organisation, User
from shortbreaks.accounts.services import create_api_token
from shortbreaks.clock import LONDON, FrozenClock, utc
from shortbreaks.settings import Settings
from tests.factories import make_organisation

NOW = utc(2026, 6, 10, 9, 30)
_n = itertools.count(1)


async def make_family(authority: Organisation, *, name: str | None = None) -> User:
    """A family account (no password hashing: these tests use bearer tokens)."""
    n = next(_n)
    user = await User.create(email=f"family{n}@example.com", password_hash="!", display_name=name or f"Family {n}", email_verified_at=NOW)
    await Membership.create(user=user, organisation=authority, role=Role.FAMILY)
    return user


async def make_staff(organisation: Organisation, role: Role = Role.PROVIDER_STAFF) -> User:
    n = next(_n)
    user = await User.create(email=f"staff{n}@example.com", password_hash="!", display_name=f"Staff {n}")
    await Membership.create(user=user, organisation=organisation, role=role)
    return user


async def token_headers(user: User) -> dict[str, str]:
    token, _ = await create_api_token(user, now=NOW)
    return {"Authorization": f"Bearer {token}"}


async def make_child(
    family: User, *, dob: date = date(2016, 5, 1), first_name: str | None = None, care: dict[str, str] | None = None
) -> Child:
    membership = await Membership.get(user_id=family.id, role=Role.FAMILY)
    return await services.create_child(
        family,
        local_authority_id=membership.organisation_id,  # type: ignore[attr-defined]
        first_name=first_name or f"Child{next(_n)}",
        last_name="Shah",
        date_of_birth=dob,
        needs=["ASD"],
        care=care or {"medical": "Epilepsy: rescue medication in bag", "dietary": "No nuts"},
        now=NOW,
    )


async def make_service(
    *,
    authority: Organisation | None = None,
    organisation: Organisation | None = None,
    mode: BookingMode = BookingMode.INSTANT,
    min_age: int = 5,
    max_age: int = 18,
    price: int = 2500,
    notice_hours: int = 48,
    offer_hours: int = 24,
) -> Service:
    authority = authority or await make_organisation()
    organisation = organisation or await make_organisation(kind=OrganisationKind.CHARITY)
    provider = await Provider.get_or_none(organisation_id=organisation.id) or await Provider.create(
        organisation=organisation, local_authority=authority, name=f"Provider {next(_n)}", postcode="B1 1AA", latitude=52.48, longitude=-1.9
    )
    return await Service.create(
        provider=provider,
        name=f"Saturday Club {next(_n)}",
        kind=ServiceKind.ACTIVITY,
        min_age=min_age,
        max_age=max_age,
        staff_ratio=StaffRatio.GROUP,
        group_size=10,
        price_pence=price,
        booking_mode=mode,
        cancellation_notice_hours=notice_hours,
        waiting_list_offer_hours=offer_hours,
    )


async def make_session(service: Service, *, starts_at: datetime | None = None, hours: float = 3, capacity: int = 5) -> Session:
    starts_at = starts_at or NOW + timedelta(days=10)
    local = starts_at.astimezone(LONDON)
    return await Session.create(
        service=service,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
        local_date=local.date(),
        local_weekday=local.weekday(),
        capacity=capacity,
    )


async def grant(child: Child, *, minutes: int = 0, pence: int = 0, year: int = 2026) -> Allocation:
    """Grant as an officer would, at a moment inside the financial year ``year``."""
    now = utc(year, 6, 1, 9)
    officer = await User.create(email=f"officer{next(_n)}@example.com", password_hash="!", display_name="Officer")
    return await services.grant_allocation(child, actor=officer, year=year, minutes=minutes, pence=pence, reason="Annual", now=now)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd's hook name
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def subjects(self) -> list[tuple[str, str]]:
        return sorted((m["To"], m["Subject"]) for m in self.messages)


@pytest.fixture
async def smtp() -> AsyncIterator[tuple[Inbox, str]]:
    inbox = Inbox()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, f"smtp://127.0.0.1:{port}"
    finally:
        controller.stop()


RunJobs = Callable[[], Awaitable[None]]


@pytest.fixture
def run_jobs(app: Starlette, settings: Settings, clock: FrozenClock, smtp: tuple[Inbox, str]) -> RunJobs:
    """Run every queued job: a burst of a real arq worker with Redis, the in-process queue without."""
    _inbox, url = smtp
    mailer = mail.Mailer(url, sender="Short breaks <no-reply@example.com>")
    if isinstance(app.state.queue, jobs.InProcessQueue):
        app.state.queue.ctx["mailer"] = mailer

    async def startup(ctx: dict[str, Any]) -> None:
        ctx.update(await jobs.build_context(settings.model_copy(update={"smtp_url": url}), clock))

    async def shutdown(ctx: dict[str, Any]) -> None:
        await jobs.close_context(ctx)

    async def run() -> None:
        if isinstance(app.state.queue, jobs.ArqQueue):
            worker = jobs.create_worker(settings, clock=clock, burst=True, poll_delay=0.01, on_startup=startup, on_shutdown=shutdown)
            await worker.main()
            await worker.close()
        else:
            await app.state.queue.drain()

    return run


@pytest.fixture
async def authority() -> Organisation:
    return await make_organisation(name="Birmingham City Council")
