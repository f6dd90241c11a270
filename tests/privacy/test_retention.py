"""Care profiles of children with no booking for two years are removed, with 30 days' notice by email."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bookings import privacy as bookings_privacy
from bookings import services
from bookings.models import BookingChild, CareProfile
from shortbreaks import jobs
from shortbreaks.clock import FrozenClock, utc
from shortbreaks.models import AuditEvent, OutboxMessage
from tests.bookings.conftest import make_child, make_family, make_service, make_session
from tests.factories import make_organisation

LAST_BOOKED = utc(2024, 3, 2, 10)  # the lapsed child's last session


async def test_retention_notifies_30_days_before_then_removes_the_care_profile(app: Any) -> None:
    clock = FrozenClock(utc(2024, 1, 10, 9))
    authority = await make_organisation()
    family = await make_family(authority)
    lapsed = await make_child(family, first_name="Aarav")
    active = await make_child(family, first_name="Meera")
    service = await make_service()
    old = await make_session(service, starts_at=LAST_BOOKED)
    await services.create_booking(family, session_id=old.id, child_ids=[lapsed.id], now=clock.now())
    # Created long ago but booked recently (the recent session is made later): keeps its profile.
    for child in (lapsed, active):
        await type(child).filter(id=child.id).update(created_at=utc(2023, 1, 5))
    recent = await make_session(service, starts_at=utc(2025, 11, 1, 10))
    await services.create_booking(family, session_id=recent.id, child_ids=[active.id], now=utc(2025, 10, 1))
    assert await BookingChild.all().count() == 2

    lapses_at = LAST_BOOKED + timedelta(days=730)
    ctx = {"clock": clock}

    clock.set(lapses_at - timedelta(days=31))
    assert await bookings_privacy.care_profile_retention(ctx) == {"notified": 0, "removed": 0}

    clock.set(lapses_at - timedelta(days=30))
    assert await bookings_privacy.care_profile_retention(ctx) == {"notified": 1, "removed": 0}
    notice = await OutboxMessage.get(dedupe_key__startswith="care-profile-retention:")
    assert notice.to_email == family.email
    assert "Aarav" in notice.body and "delete" in notice.body
    assert await bookings_privacy.care_profile_retention(ctx) == {"notified": 0, "removed": 0}, "one notice, however often it runs"

    clock.set(lapses_at - timedelta(seconds=1))
    assert await bookings_privacy.care_profile_retention(ctx) == {"notified": 0, "removed": 0}
    assert await CareProfile.filter(child_id=lapsed.id).exists()

    clock.set(lapses_at + timedelta(hours=1))
    assert await bookings_privacy.care_profile_retention(ctx) == {"notified": 0, "removed": 1}
    assert not await CareProfile.filter(child_id=lapsed.id).exists()
    assert await CareProfile.filter(child_id=active.id).exists()
    assert await AuditEvent.filter(action="bookings.care_profile.removed_by_retention", record_id=str(lapsed.id)).exists()
    assert await OutboxMessage.filter(dedupe_key__startswith="care-profile-retention:").count() == 1


async def test_retention_is_a_daily_cron_job() -> None:
    [job] = [j for j in jobs.collect_cron_jobs(job_timeout_s=60) if j.name == "care_profile_retention"]
    assert (job.hour, job.minute, job.unique) == ({3}, {40}, True)
    assert "care_profile_retention" in {getattr(f, "__name__", "") for f in jobs.collect_functions()}
