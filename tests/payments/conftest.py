"""Fixtures for the payments tests: the fake Stripe on a loopback port, the app pointed at it, helpers.

The real ``stripe`` library talks to :mod:`tests.payments.fake_stripe` through its configurable
API base; our code is not patched. Jobs run through a real arq worker when ``REDIS_URL`` is set
and in-process otherwise.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from starlette.applications import Starlette

from bookings import services
from bookings.models import Booking, Child
from bookings.payments import services as payment_services
from bookings.payments.gateway import open_gateway
from bookings.payments.models import Payment
from bookings.payments.services import CheckoutUrls
from providers.enums import FundingRoute, to_mask
from providers.models import Service, Session
from shortbreaks import jobs
from shortbreaks.accounts.models import Organisation, User
from shortbreaks.clock import FrozenClock
from shortbreaks.settings import Settings
from tests.bookings.conftest import make_child, make_family, make_service, make_session
from tests.factories import make_organisation
from tests.payments.fake_stripe import FakeStripe, FakeStripeServer

STRIPE_KEY = "sk_test_shortbreaks_fake"
WEBHOOK_SECRET = "whsec_shortbreaks_fake_secret"
PRICE = 2500

RunJobs = Callable[[], Awaitable[None]]


@pytest.fixture(scope="session")
def stripe_server() -> Iterator[FakeStripe]:
    fake = FakeStripe(webhook_secret=WEBHOOK_SECRET)
    server = FakeStripeServer(fake)
    server.start()
    try:
        yield fake
    finally:
        server.stop()


@pytest.fixture
def fake_stripe(stripe_server: FakeStripe) -> Iterator[FakeStripe]:
    stripe_server.reset()
    yield stripe_server
    stripe_server.reset()


@pytest.fixture
async def authority() -> Organisation:
    return await make_organisation(name="Birmingham City Council")


@pytest.fixture
def stripe_configured() -> bool:
    """Parametrize to ``False`` for the demo's mode: no STRIPE_SECRET_KEY."""
    return True


@pytest.fixture
def settings(settings: Settings, fake_stripe: FakeStripe, stripe_configured: bool) -> Settings:
    """The app's settings with Stripe pointed at the fake, and a short client timeout."""
    if not stripe_configured:
        return settings
    return settings.model_copy(
        update={
            "stripe_secret_key": SecretStr(STRIPE_KEY),
            "stripe_webhook_secret": SecretStr(WEBHOOK_SECRET),
            "stripe_api_base": fake_stripe.url,
            "stripe_timeout_s": 0.5,
        }
    )


@pytest.fixture
def run_jobs(app: Starlette, settings: Settings, clock: FrozenClock) -> RunJobs:
    """Run every queued job: a burst of a real arq worker with Redis, the in-process queue without."""

    async def startup(ctx: dict[str, Any]) -> None:
        ctx.update(await jobs.build_context(settings, clock))

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


async def make_paid_service(*, price: int = PRICE, refund_percent: int = 0, **kwargs: Any) -> Service:
    """A service that accepts 'family pays', so a child without an allocation pays online."""
    service = await make_service(price=price, **kwargs)
    service.funding_mask = to_mask([FundingRoute.COUNCIL_ALLOCATION, FundingRoute.FAMILY_PAYS])
    service.late_cancellation_refund_percent = refund_percent
    await service.save()
    return service


@dataclasses.dataclass
class Family:
    user: User
    child: Child


async def make_paying_family(authority: Organisation) -> Family:
    user = await make_family(authority)
    return Family(user, await make_child(user))


async def hold_booking(family: Family, session: Session, *, now: datetime, hold_minutes: int = 30) -> Booking:
    return await services.create_booking(
        family.user, session_id=session.id, child_ids=[family.child.id], now=now, payment_hold=timedelta(minutes=hold_minutes)
    )


async def paid_session(clock: FrozenClock, *, capacity: int = 5, refund_percent: int = 0, days: int = 10) -> Session:
    service = await make_paid_service(refund_percent=refund_percent)
    return await make_session(service, capacity=capacity, starts_at=clock.now() + timedelta(days=days))


URLS = CheckoutUrls(success="http://testserver/bookings/x?payment=done", cancel="http://testserver/bookings/x?payment=cancelled")


async def open_checkout(settings: Settings, booking: Booking, *, now: datetime) -> str:
    """Start Checkout for a held booking as the page does; returns the session id at the fake."""
    async with open_gateway(settings) as gateway:
        await payment_services.start_checkout(booking, gateway=gateway, urls=URLS, now=now)
    payment = await Payment.get(booking_id=booking.id)
    assert payment.checkout_session_id is not None
    return payment.checkout_session_id


async def post_event(client: httpx.AsyncClient, fake: FakeStripe, event: dict[str, Any], **sign: Any) -> httpx.Response:
    body, headers = fake.signed(event, **sign)
    return await client.post("/webhooks/stripe", content=body, headers=headers)
