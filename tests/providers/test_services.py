"""Rules become sessions: DST, idempotence, closures, bank holidays, capacity, booked sessions, places."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from providers import services
from providers.errors import BookedSessionsAffected, OverlappingClosure
from providers.models import Session
from providers.schemas import ClosureIn
from shortbreaks.clock import LONDON, london, utc
from tests.conftest import TEST_NOW
from tests.providers.conftest import make_provider, make_rule, make_service


async def _starts(service) -> list:
    return [s.starts_at for s in await Session.filter(service_id=service.id).order_by("starts_at")]


async def test_saturday_ten_oclock_stays_ten_in_london_across_both_clock_changes():
    service = await make_service(await make_provider())
    spring = utc(2026, 3, 20)
    await make_rule(service, valid_from=date(2026, 3, 1), now=spring)
    await services.materialise_service(service, now=spring)
    before_spring = await Session.get(service_id=service.id, local_date=date(2026, 3, 28))
    after_spring = await Session.get(service_id=service.id, local_date=date(2026, 4, 4))
    assert before_spring.starts_at == utc(2026, 3, 28, 10)
    assert after_spring.starts_at == utc(2026, 4, 4, 9)
    autumn = utc(2026, 10, 10)
    await services.materialise_service(service, now=autumn)
    before_autumn = await Session.get(service_id=service.id, local_date=date(2026, 10, 24))
    after_autumn = await Session.get(service_id=service.id, local_date=date(2026, 10, 31))
    assert before_autumn.starts_at == utc(2026, 10, 24, 9)
    assert after_autumn.starts_at == utc(2026, 10, 31, 10)
    assert {s.starts_at.astimezone(LONDON).hour for s in await Session.filter(service_id=service.id)} == {10}


async def test_materialising_covers_sixteen_weeks_and_twice_changes_nothing():
    service = await make_service(await make_provider())
    await make_rule(service)
    first = await _starts(service)
    result = await services.materialise_service(service, now=TEST_NOW)
    assert (result.created, result.updated, result.deleted) == (0, 0, 0)
    assert await _starts(service) == first
    assert len(first) == 16
    assert first[0] == london(2026, 6, 13, 10)
    assert first[-1] <= TEST_NOW + services.HORIZON


async def test_rolling_forward_adds_only_the_new_weeks():
    service = await make_service(await make_provider())
    await make_rule(service)
    result = await services.materialise_service(service, now=TEST_NOW + timedelta(weeks=2))
    assert result.created == 2
    assert await Session.filter(service_id=service.id).count() == 18


async def test_capacity_is_staff_times_children_per_staff_member():
    provider = await make_provider()
    one_to_one = await make_service(provider, staff_ratio="1:1")
    await make_rule(one_to_one, staff_count=3)
    one_to_four = await make_service(provider, name="Fours", staff_ratio="1:4")
    await make_rule(one_to_four, staff_count=2)
    group = await make_service(provider, name="Group", staff_ratio="group", group_size=12)
    await make_rule(group, staff_count=2)
    assert set(await Session.filter(service_id=one_to_one.id).values_list("capacity", flat=True)) == {3}
    assert set(await Session.filter(service_id=one_to_four.id).values_list("capacity", flat=True)) == {8}
    assert set(await Session.filter(service_id=group.id).values_list("capacity", flat=True)) == {12}


async def test_bank_holidays_are_skipped_unless_the_service_opts_out():
    provider = await make_provider()
    closed = await make_service(provider, name="Closed on bank holidays")
    await make_rule(closed, rrule="FREQ=WEEKLY;BYDAY=MO")
    opened = await make_service(provider, name="Open on bank holidays", closed_on_bank_holidays=False)
    await make_rule(opened, rrule="FREQ=WEEKLY;BYDAY=MO")
    summer_bank_holiday = date(2026, 8, 31)
    assert await Session.filter(service_id=closed.id, local_date=summer_bank_holiday).count() == 0
    assert await Session.filter(service_id=opened.id, local_date=summer_bank_holiday).count() == 1


async def test_a_closure_removes_its_sessions_and_removing_it_brings_them_back():
    service = await make_service(await make_provider())
    await make_rule(service)
    closure = await services.create_closure(
        service, ClosureIn(starts_on=date(2026, 7, 18), ends_on=date(2026, 7, 26), reason="Summer break"), actor=None, now=TEST_NOW
    )
    dates = {s.local_date for s in await Session.filter(service_id=service.id)}
    assert date(2026, 7, 18) not in dates
    assert date(2026, 7, 25) not in dates
    assert date(2026, 7, 11) in dates
    await services.delete_closure(closure, actor=None, now=TEST_NOW)
    assert await Session.filter(service_id=service.id, local_date=date(2026, 7, 25)).count() == 1


async def test_overlapping_closures_are_refused():
    service = await make_service(await make_provider())
    await services.create_closure(service, ClosureIn(starts_on=date(2026, 7, 1), ends_on=date(2026, 7, 10)), actor=None, now=TEST_NOW)
    with pytest.raises(OverlappingClosure) as caught:
        await services.create_closure(service, ClosureIn(starts_on=date(2026, 7, 10), ends_on=date(2026, 7, 12)), actor=None, now=TEST_NOW)
    assert caught.value.errors[0].field == "starts_on"


async def test_changing_a_rule_without_bookings_moves_its_sessions():
    service = await make_service(await make_provider())
    rule = await make_rule(service)
    await services.update_rule(rule, {"start_time": "14:00"}, actor=None, now=TEST_NOW)
    sessions = await Session.filter(service_id=service.id)
    assert len(sessions) == 16
    assert {s.starts_at.astimezone(LONDON).hour for s in sessions} == {14}


async def test_changing_a_rule_that_would_move_booked_sessions_is_refused_and_lists_them():
    service = await make_service(await make_provider())
    rule = await make_rule(service)
    booked = await Session.get(service_id=service.id, local_date=date(2026, 6, 20))
    assert await services.take_places(booked.id, 2) is True
    with pytest.raises(BookedSessionsAffected) as caught:
        await services.update_rule(rule, {"rrule": "FREQ=WEEKLY;BYDAY=SU"}, actor=None, now=TEST_NOW)
    assert [s.id for s in caught.value.sessions] == [booked.id]
    assert "Saturday 20 June 2026 at 10:00 (2 booked)" in caught.value.message
    await rule.refresh_from_db()
    assert rule.rrule == "FREQ=WEEKLY;BYDAY=SA"
    assert await Session.filter(service_id=service.id).count() == 16


async def test_changing_the_length_of_a_rule_with_bookings_is_refused_but_more_staff_is_fine():
    service = await make_service(await make_provider())
    rule = await make_rule(service, staff_count=1)
    booked = await Session.get(service_id=service.id, local_date=date(2026, 6, 20))
    await services.take_places(booked.id, 2)
    with pytest.raises(BookedSessionsAffected):
        await services.update_rule(rule, {"duration_minutes": 60}, actor=None, now=TEST_NOW)
    await services.update_rule(rule, {"staff_count": 3}, actor=None, now=TEST_NOW)
    await booked.refresh_from_db()
    assert (booked.capacity, booked.places_taken, booked.sequence) == (6, 2, 1)


async def test_deleting_a_rule_with_bookings_is_refused_and_without_removes_its_future_sessions():
    service = await make_service(await make_provider())
    rule = await make_rule(service)
    booked = await Session.get(service_id=service.id, local_date=date(2026, 6, 20))
    await services.take_places(booked.id, 1)
    with pytest.raises(BookedSessionsAffected):
        await services.delete_rule(rule, actor=None, now=TEST_NOW)
    await services.release_places(booked.id, 1)
    await services.delete_rule(rule, actor=None, now=TEST_NOW)
    assert await Session.filter(service_id=service.id).count() == 0


async def test_a_closure_over_a_booked_session_is_refused():
    service = await make_service(await make_provider())
    await make_rule(service)
    booked = await Session.get(service_id=service.id, local_date=date(2026, 6, 20))
    await services.take_places(booked.id, 1)
    with pytest.raises(BookedSessionsAffected):
        await services.create_closure(service, ClosureIn(starts_on=date(2026, 6, 19), ends_on=date(2026, 6, 21)), actor=None, now=TEST_NOW)
    assert await Session.filter(service_id=service.id).count() == 16


async def test_take_places_never_overbooks_and_release_never_goes_below_zero():
    service = await make_service(await make_provider(), staff_ratio="1:1")
    await make_rule(service, staff_count=3)
    session = await Session.filter(service_id=service.id).order_by("starts_at").first()
    assert await services.take_places(session.id, 2) is True
    assert await services.take_places(session.id, 2) is False
    assert await services.take_places(session.id, 1) is True
    assert await services.take_places(session.id, 1) is False
    await session.refresh_from_db()
    assert session.places_taken == 3
    assert await services.release_places(session.id, 4) is False
    assert await services.release_places(session.id, 3) is True
    await session.refresh_from_db()
    assert session.places_taken == 0


async def test_take_places_refuses_blocked_and_cancelled_sessions():
    service = await make_service(await make_provider())
    await make_rule(service)
    first, second = await Session.filter(service_id=service.id).order_by("starts_at").limit(2)
    await Session.filter(id=first.id).update(blocked=True)
    await Session.filter(id=second.id).update(status="cancelled")
    assert await services.take_places(first.id) is False
    assert await services.take_places(second.id) is False


async def test_the_database_refuses_more_places_taken_than_capacity():
    from tortoise.exceptions import IntegrityError, OperationalError

    service = await make_service(await make_provider())
    await make_rule(service)
    session = await Session.filter(service_id=service.id).first()
    with pytest.raises((IntegrityError, OperationalError)):
        await Session.filter(id=session.id).update(places_taken=session.capacity + 1)


async def test_get_session_for_booking_loads_service_and_provider():
    from providers.queries import get_session_for_booking

    provider = await make_provider(name="Brum Breaks")
    service = await make_service(provider)
    await make_rule(service)
    session = await Session.filter(service_id=service.id).first()
    loaded = await get_session_for_booking(session.id)
    assert (loaded.service.name, loaded.service.provider.name) == ("Saturday club", "Brum Breaks")


@pytest.mark.postgres
async def test_concurrent_take_places_never_overbook_on_postgresql():
    import asyncio

    from tortoise.transactions import in_transaction

    service = await make_service(await make_provider(), staff_ratio="1:1")
    await make_rule(service, staff_count=3)
    session = await Session.filter(service_id=service.id).first()

    async def book() -> bool:
        async with in_transaction() as conn:
            taken = await services.take_places(session.id, 1, using_db=conn)
            await asyncio.sleep(0)
            return taken

    results = await asyncio.gather(*(book() for _ in range(25)))
    await session.refresh_from_db()
    assert (results.count(True), session.places_taken) == (3, 3)


async def test_moving_a_provider_raises_the_sequence_of_its_future_sessions_only():
    provider = await make_provider()
    service = await make_service(provider)
    await make_rule(service)
    past = await Session.create(
        service=service,
        starts_at=TEST_NOW - timedelta(days=7),
        ends_at=TEST_NOW - timedelta(days=7, hours=-3),
        local_date=date(2026, 6, 3),
        local_weekday=2,
        capacity=4,
    )
    before = {s.id: s.sequence for s in await Session.filter(service_id=service.id)}
    await services.update_provider(provider, {"address": "2 New Street", "postcode": "B1 1AA"}, actor=None, now=TEST_NOW)
    after = {s.id: s.sequence for s in await Session.filter(service_id=service.id)}
    assert after[past.id] == before[past.id]
    assert all(after[sid] == before[sid] + 1 for sid in after if sid != past.id)
    await services.update_provider(provider, {"description": "Now with a garden"}, actor=None, now=TEST_NOW)
    assert {s.id: s.sequence for s in await Session.filter(service_id=service.id)} == after
