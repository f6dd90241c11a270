"""Availability in days and times: the form's days, times, dates and "every N weeks" become an
RRULE in the service; the preview lists the next ten dates with bank holidays and closures marked."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from providers import services
from providers.models import AvailabilityRule, Session
from providers.recurrence import describe_rrule, weekly_rrule
from providers.schemas import RuleFormIn
from shortbreaks.clock import LONDON
from shortbreaks.errors import ValidationFailed
from tests.conftest import TEST_NOW
from tests.factories import csrf, sign_in

FORM = {"start_time": "10:00", "end_time": "15:30", "staff_count": "2", "valid_from": "2026-08-01"}


def _form(**values: Any) -> RuleFormIn:
    return services.merge(RuleFormIn, {}, {**FORM, **values})


def test_days_and_times_become_a_weekly_rrule_and_a_length() -> None:
    rule = services.rule_from_form(_form(weekdays=["sat", "tue"]))
    assert (rule.rrule, rule.start_time, rule.duration_minutes) == ("FREQ=WEEKLY;BYDAY=TU,SA", "10:00", 330)


def test_every_two_weeks_is_an_interval_counted_in_monday_weeks() -> None:
    assert services.rule_from_form(_form(weekdays=["sat"], every_weeks="2")).rrule == "FREQ=WEEKLY;INTERVAL=2;BYDAY=SA;WKST=MO"
    assert weekly_rrule(["mon", "mon"]) == "FREQ=WEEKLY;BYDAY=MO"


def test_the_raw_rrule_stays_as_an_advanced_option_and_replaces_the_days() -> None:
    assert services.rule_from_form(_form(rrule="freq=monthly;byday=1sa")).rrule == "FREQ=MONTHLY;BYDAY=1SA"


def test_an_end_before_the_start_is_refused_on_the_end_time() -> None:
    with pytest.raises(ValidationFailed) as refused:
        _form(weekdays=["sat"], end_time="09:00")
    assert [(e.field, e.message) for e in refused.value.errors] == [("end_time", "The end time must be after the start time")]


def test_no_day_ticked_is_refused_on_the_days() -> None:
    with pytest.raises(ValidationFailed) as refused:
        _form()
    assert [(e.field, e.message) for e in refused.value.errors] == [("weekdays", "Select at least one day")]


async def test_the_preview_lists_the_next_ten_dates_marking_bank_holidays_and_closures(world: dict[str, Any]) -> None:
    # Mondays from 17 August 2026: the 31st is the summer bank holiday; the service closes on them.
    rule = services.rule_from_form(_form(weekdays=["mon"], valid_from="2026-08-17"))
    preview = await services.preview_rule(world["service"], rule, now=TEST_NOW)
    days = [p.starts_at.astimezone(LONDON).date() for p in preview]
    assert days[:4] == [date(2026, 8, 17), date(2026, 8, 24), date(2026, 8, 31), date(2026, 9, 7)] and len(days) == 10
    assert [(p.bank_holiday, p.closed) for p in preview[1:4]] == [(False, False), (True, True), (False, False)]
    # Saturdays in December: the world's closure from 20 to 31 December covers the 26th.
    december = await services.preview_rule(
        world["service"], services.rule_from_form(_form(weekdays=["sat"], valid_from="2026-12-12")), now=TEST_NOW
    )
    assert [(p.starts_at.astimezone(LONDON).day, p.closed) for p in december[:3]] == [(12, False), (19, False), (26, True)]


async def test_the_page_previews_without_saving_then_adds_the_rule(client: Any, world: dict[str, Any]) -> None:
    service = world["service"]
    await sign_in(client, world["staff"])
    token = await csrf(client, f"/provider/services/{service.id}")
    form = {"csrf_token": token, **FORM, "weekdays": ["mon"], "valid_from": "2026-08-17", "every_weeks": "1"}
    rules_before = await AvailabilityRule.filter(service_id=service.id).count()

    preview = await client.post(f"/provider/services/{service.id}/rules", data={**form, "action": "preview"})
    assert preview.status_code == 200
    assert 'Monday 31 August 2026 at 10am <strong class="govuk-tag govuk-tag--yellow">Bank holiday</strong>' in preview.text
    assert await AvailabilityRule.filter(service_id=service.id).count() == rules_before

    added = await client.post(f"/provider/services/{service.id}/rules", data={**form, "action": "add"})
    assert added.status_code == 303
    rule = await AvailabilityRule.filter(service_id=service.id).order_by("-created_at").first()
    assert rule is not None and (rule.rrule, rule.duration_minutes) == ("FREQ=WEEKLY;BYDAY=MO", 330)
    assert not await Session.filter(rule_id=rule.id, local_date=date(2026, 8, 31)).exists()
    assert "Every Monday<br>" in (await client.get(f"/provider/services/{service.id}")).text


async def test_the_empty_availability_form_links_every_error_to_its_field(client: Any, world: dict[str, Any]) -> None:
    service = world["service"]
    await sign_in(client, world["staff"])
    token = await csrf(client, f"/provider/services/{service.id}")
    refused = await client.post(f"/provider/services/{service.id}/rules", data={"csrf_token": token, "action": "add"})
    assert refused.status_code == 422
    assert "Input should be" not in refused.text
    for field in ("weekdays", "start_time", "end_time", "staff_count", "valid_from"):
        assert f'href="#{field}"' in refused.text
        assert f'id="{field}-error"' in refused.text
    for field in ("start_time", "end_time", "staff_count", "valid_from"):
        assert f'id="{field}" name="{field}"' in refused.text
        tag = refused.text.split(f'id="{field}" name="{field}"')[1].split(">")[0]
        assert f"{field}-error" in tag
    assert "Select at least one day" in refused.text and "Enter the start time, like 10:00" in refused.text


def test_weekly_rules_are_described_in_words_and_others_are_not() -> None:
    assert describe_rrule("FREQ=WEEKLY;BYDAY=SA") == "Every Saturday"
    assert describe_rrule("FREQ=WEEKLY;BYDAY=MO,WE,FR") == "Every Monday, Wednesday and Friday"
    assert describe_rrule("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,SA;WKST=MO") == "Every 2 weeks on Tuesday and Saturday"
    assert describe_rrule("FREQ=MONTHLY;BYDAY=1SA") is None
    assert describe_rrule("FREQ=WEEKLY;BYDAY=SA;COUNT=4") is None
