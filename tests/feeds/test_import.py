"""Importing a provider's own calendar from a real local HTTP server: good, recurring, malformed, huge
and slow feeds, redirects, the private-address guard, and the periodic job.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from bookings.enums import BookingStatus
from bookings.feeds import jobs, services
from bookings.feeds.enums import ImportErrorCode
from bookings.feeds.models import CalendarImport, ImportBlock
from bookings.feeds.remote import CalendarFetchError, FetchLimits, fetch_calendar, is_public_address
from bookings.models import Booking
from providers.models import Service, Session
from shortbreaks.accounts.models import Organisation
from shortbreaks.clock import FrozenClock, utc
from shortbreaks.errors import ValidationFailed
from shortbreaks.settings import Settings
from tests.bookings.conftest import make_staff
from tests.feeds.conftest import NOW, make_booking, make_child, make_family, make_service, principal_for, session_at
from tests.waiting import wait_until_sync


def ics(*events: str) -> str:
    return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" + "".join(events) + "END:VCALENDAR\r\n"


def vevent(uid: str, start: str, end: str, *extra: str) -> str:
    return (
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260601T000000Z\r\nDTSTART:{start}\r\nDTEND:{end}\r\nSUMMARY:Busy\r\n"
        + "".join(line + "\r\n" for line in extra)
        + "END:VEVENT\r\n"
    )


class CalendarServer:
    """A small Starlette app on a loopback port; ``calendars`` can change between fetches."""

    def __init__(self) -> None:
        self.calendars: dict[str, str] = {}
        self.hits: list[str] = []

        async def serve(request: Request) -> Response:
            name = request.path_params["name"]
            self.hits.append(name)
            if name == "huge.ics":

                async def chunks() -> AsyncIterator[bytes]:
                    yield ics().encode()[:-15]
                    for _ in range(300):
                        yield b"X-FILLER:" + b"x" * 10_000 + b"\r\n"

                return StreamingResponse(chunks(), media_type="text/calendar")
            if name == "slow.ics":

                async def slowly() -> AsyncIterator[bytes]:
                    yield b"BEGIN:VCALENDAR\r\n"
                    await asyncio.sleep(5)
                    yield b"END:VCALENDAR\r\n"

                return StreamingResponse(slowly(), media_type="text/calendar")
            if name == "redirect.ics":
                return RedirectResponse("/cal/good.ics", status_code=302)
            if name == "loop.ics":
                return RedirectResponse("/cal/loop.ics", status_code=302)
            if name not in self.calendars:
                return PlainTextResponse("not found", status_code=404)
            return PlainTextResponse(self.calendars[name], media_type="text/calendar")

        self.app = Starlette(routes=[Route("/cal/{name}", serve)])
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/cal/{name}"

    def start(self) -> None:
        self.thread.start()
        wait_until_sync(lambda: self.server.started, timeout=10, interval=0.02, what="the test calendar server to start")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def calendar_server() -> Iterator[CalendarServer]:
    server = CalendarServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def served(calendar_server: CalendarServer) -> CalendarServer:
    calendar_server.calendars.clear()
    calendar_server.hits.clear()
    return calendar_server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    # The same shape as the jobs' shared client: no automatic redirects.
    async with httpx.AsyncClient(timeout=httpx.Timeout(10.0), follow_redirects=False) as client:
        yield client


async def provider_with_sessions(authority: Organisation) -> tuple[Service, list[Session]]:
    service = await make_service(authority=authority)
    sessions = [
        await session_at(service, utc(2026, 6, 13, 9), utc(2026, 6, 13, 12)),  # Saturday
        await session_at(service, utc(2026, 6, 14, 9), utc(2026, 6, 14, 12)),  # Sunday
        await session_at(service, utc(2026, 6, 20, 9), utc(2026, 6, 20, 12)),  # next Saturday
        await session_at(service, utc(2026, 6, 27, 9), utc(2026, 6, 27, 12)),
    ]
    return service, sessions


async def set_import(service: Service, url: str) -> CalendarImport:
    staff = await make_staff(await service.provider.organisation)  # type: ignore[attr-defined]
    return await services.set_calendar_import(
        await principal_for(staff),
        provider_id=service.provider_id,  # type: ignore[attr-defined]
        url=url,
        now=NOW,
    )


async def blocked(sessions: list[Session]) -> list[bool]:
    return [(await Session.get(id=s.id)).blocked for s in sessions]


async def test_a_good_calendar_blocks_overlapping_sessions_and_unblocks_them_when_the_event_goes(
    served: CalendarServer, http: httpx.AsyncClient, authority: Organisation
) -> None:
    service, sessions = await provider_with_sessions(authority)
    family = await make_family(authority)
    booking = await make_booking(family, sessions[0], [await make_child(family)])
    served.calendars["good.ics"] = ics(
        vevent("a", "20260613T110000Z", "20260613T150000Z"),  # overlaps the first session (booked)
        vevent("b", "20260614T120000Z", "20260614T130000Z"),  # touches the second's end only: no overlap
        vevent("c", "20260620T080000Z", "20260620T100000Z", "TRANSP:TRANSPARENT"),  # free time does not block
    )
    calendar_import = await set_import(service, served.url("good.ics"))

    result = await services.import_calendar(calendar_import.id, http=http, now=NOW, allow_private=True)

    assert result == services.ImportResult(ok=True, busy=2, blocked=1, unblocked=0)
    assert await blocked(sessions) == [True, False, False, False]
    assert (await Booking.get(id=booking.id)).status == BookingStatus.CONFIRMED  # flagged, never cancelled
    assert await ImportBlock.filter(calendar_import_id=calendar_import.id).values_list("session_id", "has_bookings") == [
        (sessions[0].id, True)
    ]
    saved = await CalendarImport.get(id=calendar_import.id)
    assert (saved.last_success_at, saved.last_error_code, saved.busy_count) == (NOW, "", 2)

    served.calendars["good.ics"] = ics(vevent("b", "20260614T100000Z", "20260614T110000Z"))
    later = NOW + timedelta(minutes=15)
    again = await services.import_calendar(calendar_import.id, http=http, now=later, allow_private=True)

    assert again == services.ImportResult(ok=True, busy=1, blocked=1, unblocked=1)
    assert await blocked(sessions) == [False, True, False, False]
    assert await ImportBlock.filter(calendar_import_id=calendar_import.id).values_list("session_id", flat=True) == [sessions[1].id]


async def test_recurring_events_are_expanded(served: CalendarServer, http: httpx.AsyncClient, authority: Organisation) -> None:
    service, sessions = await provider_with_sessions(authority)
    # Every Saturday 10:00-11:00 London time (BST, so 09:00Z), except 20 June.
    served.calendars["weekly.ics"] = ics(
        "BEGIN:VTIMEZONE\r\nTZID:Europe/London\r\nBEGIN:DAYLIGHT\r\nDTSTART:19810329T010000\r\nTZOFFSETFROM:+0000\r\n"
        "TZOFFSETTO:+0100\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\nBEGIN:STANDARD\r\nDTSTART:19961027T020000\r\n"
        "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n",
        "BEGIN:VEVENT\r\nUID:weekly\r\nDTSTAMP:20260601T000000Z\r\nDTSTART;TZID=Europe/London:20260606T100000\r\n"
        "DTEND;TZID=Europe/London:20260606T110000\r\nRRULE:FREQ=WEEKLY;BYDAY=SA\r\nEXDATE;TZID=Europe/London:20260620T100000\r\n"
        "SUMMARY:Staff training\r\nEND:VEVENT\r\n",
    )
    calendar_import = await set_import(service, served.url("weekly.ics"))

    result = await services.import_calendar(calendar_import.id, http=http, now=NOW, allow_private=True)

    assert result is not None and result.ok
    assert await blocked(sessions) == [True, False, False, True]


@pytest.mark.parametrize(
    ("name", "body", "limits", "code"),
    [
        (
            "malformed.ics",
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:not-a-date\r\nEND:VCALENDAR\r\n",
            None,
            ImportErrorCode.NOT_A_CALENDAR,
        ),
        ("page.ics", "<html><body>Sign in to Google</body></html>", None, ImportErrorCode.NOT_A_CALENDAR),
        ("huge.ics", None, None, ImportErrorCode.TOO_LARGE),
        ("slow.ics", None, FetchLimits(total_timeout=0.5), ImportErrorCode.TIMEOUT),
        ("missing.ics", None, None, ImportErrorCode.HTTP_ERROR),
        ("loop.ics", None, None, ImportErrorCode.TOO_MANY_REDIRECTS),
    ],
)
async def test_a_bad_calendar_is_recorded_and_changes_no_session(
    served: CalendarServer,
    http: httpx.AsyncClient,
    authority: Organisation,
    name: str,
    body: str | None,
    limits: FetchLimits | None,
    code: ImportErrorCode,
) -> None:
    service, sessions = await provider_with_sessions(authority)
    served.calendars["good.ics"] = ics(vevent("a", "20260613T080000Z", "20260613T100000Z"))
    calendar_import = await set_import(service, served.url("good.ics"))
    await services.import_calendar(calendar_import.id, http=http, now=NOW, allow_private=True)
    if body is not None:
        served.calendars[name] = body
    await services.set_calendar_import(
        await principal_for(await make_staff(await service.provider.organisation)),  # type: ignore[attr-defined]
        provider_id=service.provider_id,  # type: ignore[attr-defined]
        url=served.url(name),
        now=NOW,
    )
    later = NOW + timedelta(hours=1)

    result = await services.import_calendar(calendar_import.id, http=http, now=later, allow_private=True, limits=limits)

    assert result == services.ImportResult(ok=False, error=code)
    saved = await CalendarImport.get(id=calendar_import.id)
    assert (saved.last_error_code, saved.last_attempt_at, saved.last_success_at) == (code.value, later, NOW)
    assert await blocked(sessions) == [True, False, False, False]


async def test_redirects_are_followed_and_rechecked(served: CalendarServer, http: httpx.AsyncClient) -> None:
    served.calendars["good.ics"] = ics()
    assert await fetch_calendar(http, served.url("redirect.ics"), allow_private=True) == ics().encode()
    assert served.hits == ["redirect.ics", "good.ics"]
    with pytest.raises(CalendarFetchError) as refused:
        await fetch_calendar(http, served.url("redirect.ics"), allow_private=False)
    assert refused.value.code == ImportErrorCode.PRIVATE_ADDRESS


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/cal/good.ics",
        "http://localhost:{port}/cal/good.ics",
        "http://[::1]:{port}/cal/good.ics",
        "http://10.0.0.8/cal.ics",
        "http://169.254.169.254/latest/meta-data/",
        "http://192.168.1.1/cal.ics",
        "http://[::ffff:127.0.0.1]/cal.ics",
    ],
)
async def test_private_and_loopback_addresses_are_refused_when_the_setting_is_off(
    served: CalendarServer, http: httpx.AsyncClient, url: str
) -> None:
    served.calendars["good.ics"] = ics()
    with pytest.raises(CalendarFetchError) as refused:
        await fetch_calendar(http, url.format(port=served.port), allow_private=False)
    assert refused.value.code == ImportErrorCode.PRIVATE_ADDRESS
    assert served.hits == []


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2a00:1450:4009:81f::200e", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("100.64.0.1", False),
        ("169.254.1.1", False),
        ("0.0.0.0", False),  # noqa: S104  # an address to classify, not one to bind
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("::ffff:10.0.0.1", False),
    ],
)
def test_address_classification(address: str, public: bool) -> None:
    assert is_public_address(address) is public


@pytest.mark.parametrize("url", ["ftp://example.org/cal.ics", "file:///etc/passwd", "webcal", "https://user:pw@example.org/x.ics"])
async def test_only_http_and_https_urls_are_accepted(authority: Organisation, url: str) -> None:
    service = await make_service(authority=authority)
    with pytest.raises(ValidationFailed):
        await set_import(service, url)


async def test_the_periodic_job_imports_every_provider_and_one_bad_feed_spoils_nothing(
    served: CalendarServer, app: Starlette, settings: Settings, clock: FrozenClock, authority: Organisation
) -> None:
    good_service, good_sessions = await provider_with_sessions(authority)
    bad_service, bad_sessions = await provider_with_sessions(authority)
    served.calendars["good.ics"] = ics(vevent("a", "20260620T080000Z", "20260620T100000Z"))
    served.calendars["bad.ics"] = "BEGIN:VCALENDAR\r\nthis is not right"
    good = await set_import(good_service, served.url("good.ics"))
    bad = await set_import(bad_service, served.url("bad.ics"))
    async with httpx.AsyncClient(follow_redirects=False) as http:
        ctx = {"http": http, "clock": clock, "settings": settings.model_copy(update={"allow_private_calendar_urls": True})}

        assert await jobs.import_provider_calendar(ctx, import_id=str(bad.id)) is False
        assert await jobs.import_provider_calendar(ctx, import_id=str(good.id)) is True
        assert await jobs.import_provider_calendar(ctx, import_id="00000000-0000-4000-8000-000000000000") is None
        # With the setting off (production), the loopback test server is refused.
        ctx["settings"] = settings
        assert await jobs.import_provider_calendar(ctx, import_id=str(good.id)) is False

    assert await blocked(good_sessions) == [False, False, True, False]
    assert await blocked(bad_sessions) == [False, False, False, False]
    assert (await CalendarImport.get(id=bad.id)).last_error_code == ImportErrorCode.NOT_A_CALENDAR.value
    assert (await CalendarImport.get(id=good.id)).last_error_code == ImportErrorCode.PRIVATE_ADDRESS.value


async def test_the_cron_job_queues_one_import_per_provider(
    served: CalendarServer, app: Starlette, settings: Settings, clock: FrozenClock, authority: Organisation
) -> None:
    first, _ = await provider_with_sessions(authority)
    second, _ = await provider_with_sessions(authority)
    await set_import(first, served.url("a.ics"))
    await set_import(second, served.url("b.ics"))
    ctx = {"clock": clock}
    queued: list[tuple[str, str | None]] = []

    class RecordingQueue:
        async def enqueue(self, function: str, *, job_id: str | None, defer_by: float | None, kwargs: dict[str, object]) -> bool:
            queued.append((function, job_id))
            return True

    from shortbreaks import jobs as core_jobs

    real = core_jobs.get_queue()
    core_jobs.set_queue(RecordingQueue())
    try:
        assert await jobs.import_provider_calendars(ctx) == 2
    finally:
        core_jobs.set_queue(real)
    assert sorted(function for function, _ in queued) == ["import_provider_calendar", "import_provider_calendar"]
    assert all(job_id and job_id.startswith("feeds-import:") for _, job_id in queued)


async def test_the_import_page_shows_the_error_and_the_last_good_import(
    served: CalendarServer, client: httpx.AsyncClient, http: httpx.AsyncClient, authority: Organisation
) -> None:
    from shortbreaks.accounts.enums import Role
    from tests.factories import csrf, make_user, sign_in

    service, sessions = await provider_with_sessions(authority)
    family = await make_family(authority)
    await make_booking(family, sessions[0], [await make_child(family)])
    staff = await make_user(role=Role.PROVIDER_STAFF, organisation=await service.provider.organisation)  # type: ignore[attr-defined]
    await sign_in(client, staff)
    page_url = f"/calendar/providers/{service.provider_id}"  # type: ignore[attr-defined]

    bad_url = await client.post(page_url + "/import", data={"url": "javascript:alert(1)", "csrf_token": await csrf(client, page_url)})
    assert bad_url.status_code == 422 and "Enter a calendar address starting with https:// or http://" in bad_url.text
    saved = await client.post(page_url + "/import", data={"url": served.url("good.ics"), "csrf_token": await csrf(client, page_url)})
    assert saved.status_code == 303
    served.calendars["good.ics"] = ics(vevent("a", "20260613T080000Z", "20260613T100000Z"))
    calendar_import = await CalendarImport.get(provider_id=service.provider_id)  # type: ignore[attr-defined]
    await services.import_calendar(calendar_import.id, http=http, now=NOW, allow_private=True)
    del served.calendars["good.ics"]
    await services.import_calendar(calendar_import.id, http=http, now=NOW + timedelta(minutes=15), allow_private=True)

    page = await client.get(page_url)

    assert "The calendar&#39;s server answered with an error" in page.text
    assert "10 June 2026 at 10:30am" in page.text  # the last good import, London time
    assert "13 June 2026 at 10am (1 booked)" in page.text  # a booked session flagged, not cancelled
    removed = await client.post(page_url + "/import/remove", data={"csrf_token": await csrf(client, page_url)})
    assert removed.status_code == 303
    assert await blocked(sessions) == [False, False, False, False]
