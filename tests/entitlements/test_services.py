"""Statement versions: written as drafts, refused whole when a tier has no way to apply, published with the old version kept and audited."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from entitlements import eligibility, queries, services
from entitlements.enums import Answer, Outcome, StatementStatus
from entitlements.errors import DraftExists, NotADraft
from entitlements.models import CouncilProfile, Statement, Tier
from entitlements.schemas import CouncilProfileIn, StatementPartIn, TierIn, TierRules
from providers.enums import Need
from shortbreaks.errors import PermissionDenied, ValidationFailed
from shortbreaks.models import AuditEvent
from tests.entitlements.conftest import statement_body, tier
from tests.factories import NOW


async def test_publishing_a_new_version_keeps_the_old_one_readable_and_is_audited(council) -> None:
    first = await council.published()
    body = statement_body(tiers=[tier(hours_per_year=90)])
    second = await services.create_version(council.profile, body, actor=council.officer_p, now=NOW)
    assert (second.number, second.status) == (2, StatementStatus.DRAFT)

    published = await services.publish_statement(second, actor=council.officer_p, now=NOW)

    assert published.status == StatementStatus.PUBLISHED
    assert (await Statement.get(id=first.id)).status == StatementStatus.SUPERSEDED
    assert (await queries.get_published(council.profile)).id == second.id
    old = await queries.get_public_version(council.profile, 1)
    assert [t.hours_per_year for t in await queries.list_tiers(old)] == [None, 78, None]
    events = await AuditEvent.filter(action="entitlements.statement.published").order_by("created_at", "id")
    assert [e.after["published_number"] for e in events] == [1, 2]
    assert events[-1].before == {"published_number": 1}
    assert events[-1].actor_id == council.officer.id


async def test_a_version_whose_targeted_tier_has_no_way_to_apply_is_refused_and_nothing_is_written(council) -> None:
    body = statement_body(tiers=[tier("universal", "universal"), tier(how_to_apply="  ")])
    with pytest.raises(ValidationFailed) as caught:
        await services.create_version(council.profile, body, actor=council.officer_p, now=NOW)

    assert caught.value.status_code == 422
    assert [e.field for e in caught.value.errors] == ["tiers.1.how_to_apply"]
    assert await Statement.all().count() == 0
    assert await Tier.all().count() == 0


async def test_the_database_refuses_a_targeted_tier_without_a_way_to_apply_too(council) -> None:
    draft = await services.create_version(council.profile, statement_body(tiers=[]), actor=council.officer_p, now=NOW)
    with pytest.raises(ValidationFailed) as caught:
        async with services.transaction() as conn:
            await Tier.create(statement_id=draft.id, code="t", kind="specialist", name="T", how_to_apply="", using_db=conn)
    assert caught.value.errors[0].field == "how_to_apply"


async def test_publishing_refuses_a_draft_without_tiers_or_introduction(council) -> None:
    draft = await services.create_version(council.profile, statement_body(introduction="", tiers=[]), actor=council.officer_p, now=NOW)
    with pytest.raises(ValidationFailed) as caught:
        await services.publish_statement(draft, actor=council.officer_p, now=NOW)
    assert [e.field for e in caught.value.errors] == ["introduction", "tiers"]
    assert (await Statement.get(id=draft.id)).status == StatementStatus.DRAFT


async def test_a_draft_starts_as_a_copy_of_the_published_version_and_only_drafts_change(council) -> None:
    first = await council.published()
    draft = await services.create_draft(council.profile, actor=council.officer_p, now=NOW)
    assert draft.number == 2
    assert draft.introduction == first.introduction
    assert [t.code for t in await queries.list_tiers(draft)] == ["universal", "targeted", "specialist"]
    with pytest.raises(DraftExists):
        await services.create_draft(council.profile, actor=council.officer_p, now=NOW)
    with pytest.raises(NotADraft):
        await services.update_statement(first, StatementPartIn(introduction="Changed"), actor=council.officer_p, now=NOW)
    [targeted] = await Tier.filter(statement_id=draft.id, code="targeted")
    await services.update_tier(targeted, TierIn.model_validate(tier(hours_per_year=36)), actor=council.officer_p, now=NOW)
    assert (await Tier.get(statement_id=first.id, code="targeted")).hours_per_year == 78
    assert (await Tier.get(statement_id=draft.id, code="targeted")).hours_per_year == 36


async def test_adding_a_tier_without_a_way_to_apply_or_with_a_taken_code_is_refused(council) -> None:
    draft = await services.create_version(council.profile, statement_body(), actor=council.officer_p, now=NOW)
    with pytest.raises(ValidationFailed) as caught:
        await services.add_tier(
            draft, TierIn.model_validate(tier("extra", "specialist", how_to_apply="")), actor=council.officer_p, now=NOW
        )
    assert caught.value.errors[0].field == "how_to_apply"
    with pytest.raises(ValidationFailed) as caught:
        await services.add_tier(draft, TierIn.model_validate(tier("targeted")), actor=council.officer_p, now=NOW)
    assert caught.value.errors[0].field == "code"
    assert await Tier.filter(statement_id=draft.id).count() == 3


async def test_an_officer_of_another_council_cannot_write_its_statement(council) -> None:
    with pytest.raises(PermissionDenied):
        await services.create_version(council.profile, statement_body(), actor=council.other_officer_p, now=NOW)
    assert await Statement.all().count() == 0


async def test_the_allowance_year_follows_the_council_and_29_february_is_refused(council) -> None:
    assert queries.allowance_year(council.profile, date(2027, 1, 31)) == (date(2026, 2, 1), date(2027, 1, 31))
    assert queries.allowance_year(council.profile, date(2027, 2, 1)) == (date(2027, 2, 1), date(2028, 1, 31))
    body = CouncilProfileIn(slug="westshire", allowance_year_start_month=2, allowance_year_start_day=29)
    with pytest.raises(ValidationFailed):
        await services.save_council_profile(council.authority, body, actor=council.officer_p, now=NOW)
    taken = CouncilProfileIn(slug="westshire", allowance_year_start_month=4, allowance_year_start_day=1)
    with pytest.raises(ValidationFailed) as caught:
        await services.save_council_profile(council.other_authority, taken, actor=council.other_officer_p, now=NOW)
    assert caught.value.errors[0].field == "slug"
    assert await CouncilProfile.all().count() == 1


# --- the checker's rules --------------------------------------------------------------------------------


TARGETED = TierRules(min_age=0, max_age=17, lives_in_area=True, disability=True, ehc_plan_or_dla=True)
SPECIALIST = TierRules(max_age=17, lives_in_area=True, needs=[Need.PMLD, Need.SLD])


def _assess(rules: TierRules, **answers) -> Outcome:
    return eligibility.assess(rules, answers, districts=["B15", "WS"]).outcome


def test_the_checker_asks_only_what_the_rules_need() -> None:
    assert eligibility.questions_for([TierRules(disability=True)]) == ["needs"]
    assert eligibility.questions_for([TARGETED, SPECIALIST]) == ["age", "postcode", "needs", "ehc_plan", "dla"]
    assert eligibility.questions_for([TierRules()]) == []


def test_the_checker_rules_out_only_on_a_clear_answer() -> None:
    family = {"age": 7, "postcode": "B15", "needs": [Need.ASD]}
    assert _assess(TARGETED, **family, ehc_plan=Answer.YES, dla=Answer.NO) == Outcome.LIKELY
    assert _assess(TARGETED, **family, ehc_plan=Answer.NOT_SURE, dla=Answer.NO) == Outcome.POSSIBLE
    assert _assess(TARGETED, **family, ehc_plan=Answer.NO, dla=Answer.NO) == Outcome.UNLIKELY
    assert _assess(TARGETED, **{**family, "age": 18}, ehc_plan=Answer.YES, dla=Answer.YES) == Outcome.UNLIKELY
    assert _assess(TARGETED, **{**family, "postcode": "M14"}, ehc_plan=Answer.YES, dla=Answer.YES) == Outcome.UNLIKELY
    assert _assess(TARGETED, **{**family, "postcode": "WS1"}, ehc_plan=Answer.YES, dla=Answer.YES) == Outcome.LIKELY
    assert _assess(SPECIALIST, **family) == Outcome.UNLIKELY
    assert _assess(SPECIALIST, **{**family, "needs": [Need.PMLD, Need.PD]}) == Outcome.LIKELY


def test_answers_are_checked_one_question_at_a_time() -> None:
    assert eligibility.parse_answer("postcode", " b15 2tt ") == "B15"
    assert eligibility.parse_answer("age", "7") == 7
    assert eligibility.parse_answer("needs", ["none"]) == []
    assert eligibility.parse_answer("dla", "") is None
    for name, raw in [
        ("age", "seven"),
        ("age", "40"),
        ("postcode", "nowhere"),
        ("needs", ["none", "ASD"]),
        ("needs", ["XYZ"]),
        ("dla", "maybe"),
    ]:
        with pytest.raises(eligibility.AnswerError):
            eligibility.parse_answer(name, raw)


# --- concurrency (PostgreSQL only: SQLite serialises everything) -------------------------------------------


@pytest.mark.postgres
async def test_concurrent_versions_and_publishes_leave_one_draft_and_one_published_version(council) -> None:
    results = await asyncio.gather(
        *[services.create_version(council.profile, statement_body(), actor=council.officer_p, now=NOW) for _ in range(8)],
        return_exceptions=True,
    )
    drafts = [r for r in results if isinstance(r, Statement)]
    assert len(drafts) == 1
    assert all(isinstance(r, DraftExists) for r in results if not isinstance(r, Statement))

    published = await asyncio.gather(
        *[services.publish_statement(drafts[0], actor=council.officer_p, now=NOW) for _ in range(8)], return_exceptions=True
    )
    assert sum(1 for r in published if isinstance(r, Statement)) == 1
    assert all(isinstance(r, NotADraft) for r in published if not isinstance(r, Statement))
    assert await AuditEvent.filter(action="entitlements.statement.published").count() == 1

    nexts = await asyncio.gather(
        *[services.create_draft(council.profile, actor=council.officer_p, now=NOW) for _ in range(8)], return_exceptions=True
    )
    assert [r.number for r in nexts if isinstance(r, Statement)] == [2]
    assert sorted((s.number, s.status) for s in await Statement.all()) == [(1, StatementStatus.PUBLISHED), (2, StatementStatus.DRAFT)]
