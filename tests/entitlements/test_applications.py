"""A family's application pages: apply from the statement, answer one question a page, check, send,
withdraw; the officers' own questions; refusals (another family's child, a child outside the tier,
submitting twice, a failure half-way)."""

from __future__ import annotations

import asyncio
import re
from datetime import date
from typing import Any

import pytest

from entitlements import applications
from entitlements.enums import ApplicationEventKind, ApplicationStatus, QuestionKind
from entitlements.models import Application, ApplicationEvent, Question
from shortbreaks.accounts.enums import Role
from shortbreaks.accounts.models import User
from shortbreaks.accounts.services import load_principal
from shortbreaks.models import AuditEvent, OutboxMessage
from tests.bookings.conftest import make_child
from tests.entitlements.conftest import Council
from tests.factories import NOW, csrf, make_user, sign_in

STATEMENT = "/councils/westshire/short-breaks"
APPLY = STATEMENT + "/apply/targeted"
REFERENCE = re.compile(r"^AP-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{2}$")


async def family_of(council: Council, *, verified: bool = True) -> User:
    user = await make_user(role=Role.FAMILY, organisation=council.authority)
    if not verified:
        await User.filter(id=user.id).update(email_verified_at=None)
        user = await User.get(id=user.id)
    return user


async def start(client, child_id: Any, path: str = APPLY):
    token = await csrf(client, path)
    return await client.post(path, data={"csrf_token": token, "child_id": str(child_id)})


async def application_for(client, council: Council) -> tuple[User, Any, Application]:
    """A published statement, a signed-in verified family with a 10-year-old, and their draft."""
    await council.published()
    family = await family_of(council)
    child = await make_child(family, first_name="Sam")
    await sign_in(client, family)
    response = await start(client, child.id)
    assert response.status_code == 303, response.text
    application = await Application.get(child_id=child.id)
    return family, child, application


async def answer(client, application: Application, key: str, data: dict[str, Any]):
    path = f"/applications/{application.id}/questions/{key}"
    token = await csrf(client, path)
    return await client.post(path, data={"csrf_token": token, **data})


async def answer_all(client, application: Application) -> None:
    for key, data in (("postcode", {"answer": "b15 2tt"}), ("ehc_plan", {"answer": "yes"}), ("dla", {"answer": "no"})):
        response = await answer(client, application, key, data)
        assert response.status_code == 303, response.text


# --- starting ----------------------------------------------------------------------------------------


async def test_the_statement_links_each_tier_a_family_applies_for(client, council) -> None:
    await council.published()
    html = (await client.get(STATEMENT)).text
    assert f'href="{APPLY}"' in html
    assert f'href="{STATEMENT}/apply/specialist"' in html
    assert f'href="{STATEMENT}/apply/universal"' not in html
    # Not for families signed out: the apply page asks them to sign in.
    response = await client.get(APPLY)
    assert response.status_code in (302, 303) and "/sign-in" in response.headers["location"]
    # No "apply" for a tier open to all, or one that does not exist.
    family = await family_of(council)
    await sign_in(client, family)
    assert (await client.get(STATEMENT + "/apply/universal")).status_code == 404
    assert (await client.get(STATEMENT + "/apply/nothing")).status_code == 404


async def test_a_family_starts_a_draft_for_their_child_and_a_second_start_opens_it(client, council) -> None:
    family, child, application = await application_for(client, council)
    assert REFERENCE.match(application.reference)
    assert (application.status, application.tier_code, application.family_id) == (ApplicationStatus.DRAFT, "targeted", family.id)
    assert application.council_id == council.profile.id
    events = await ApplicationEvent.filter(application_id=application.id)
    assert [e.kind for e in events] == [ApplicationEventKind.STARTED]
    assert await AuditEvent.filter(action="entitlements.application.started", record_id=str(application.id)).count() == 1

    page = await client.get(APPLY)
    assert "Which child are you applying for?" in page.text and "Sam Shah" in page.text
    again = await start(client, child.id)
    assert again.status_code == 303 and again.headers["location"] == f"/applications/{application.id}"
    assert await Application.all().count() == 1
    overview = await client.get(f"/applications/{application.id}")
    assert "You have already started this application" in overview.text
    assert application.reference in overview.text


async def test_another_familys_child_is_404_and_nothing_is_created(client, council) -> None:
    await council.published()
    family = await family_of(council)
    other = await family_of(council)
    theirs = await make_child(other, first_name="Ava")
    await sign_in(client, family)
    await make_child(family, first_name="Sam")
    assert (await start(client, theirs.id)).status_code == 404
    assert (await start(client, "not-a-uuid")).status_code == 404
    assert await Application.all().count() == 0


async def test_a_child_outside_the_tier_is_told_the_rule_and_nothing_is_created(client, council) -> None:
    await council.published()
    family = await family_of(council)
    child = await make_child(family, first_name="Sam", dob=date(2007, 1, 15))  # 19 on 10 June 2026
    await sign_in(client, family)
    response = await start(client, child.id)
    assert response.status_code == 422
    assert "Sam is 19; this tier is for children aged 0 to 17" in response.text
    assert 'class="govuk-error-summary' in response.text and 'href="#child_id"' in response.text
    # The specialist tier is for PMLD or SLD; Sam's record says autistic spectrum disorder.
    young = await make_child(family, first_name="Kim")
    specialist = await start(client, young.id, STATEMENT + "/apply/specialist")
    assert specialist.status_code == 422
    assert "it is for children with profound and multiple learning difficulty, severe learning difficulty" in specialist.text.lower()
    assert await Application.all().count() == 0 and await AuditEvent.filter(action="entitlements.application.started").count() == 0


async def test_a_family_must_confirm_their_email_before_applying(client, council) -> None:
    await council.published()
    family = await family_of(council, verified=False)
    child = await make_child(family, first_name="Sam")
    await sign_in(client, family)
    assert "Confirm your email address before you apply" in (await client.get(APPLY)).text
    assert (await start(client, child.id)).status_code == 403
    assert await Application.all().count() == 0


async def test_choosing_no_child_is_an_error_summary(client, council) -> None:
    await council.published()
    family = await family_of(council)
    await make_child(family, first_name="Sam")
    await sign_in(client, family)
    token = await csrf(client, APPLY)
    response = await client.post(APPLY, data={"csrf_token": token})
    assert response.status_code == 422 and "Select the child you are applying for" in response.text


# --- the form ------------------------------------------------------------------------------------------


async def test_the_form_asks_what_the_childs_record_does_not_answer_then_the_councils_questions(client, council) -> None:
    _family, _child, application = await application_for(client, council)
    officer = await load_principal(council.officer)
    for body in (
        applications.QuestionInput("targeted", QuestionKind.TEXT, "Who cares for your child most of the time?"),
        applications.QuestionInput("targeted", QuestionKind.CHOICE, "How did you hear about us?", choices=["School", "GP"], required=False),
        applications.QuestionInput("targeted", QuestionKind.DATE, "When did the needs start?"),
        applications.QuestionInput("specialist", QuestionKind.YES_NO, "Has a social worker visited?"),
    ):
        await applications.add_question(officer, council.profile, body, now=NOW)
    questions = await applications.form_for(application)
    # Age (from the date of birth) and needs (on the record) are not asked; the specialist tier's question is not either.
    assert [q.title for q in questions] == [
        "What is your home postcode?",
        "Does your child have an education, health and care (EHC) plan?",
        "Does your child get Disability Living Allowance (DLA)?",
        "Who cares for your child most of the time?",
        "How did you hear about us?",
        "When did the needs start?",
    ]
    overview = await client.get(f"/applications/{application.id}")
    assert "0 of 6 answered" in overview.text

    bad = await answer(client, application, "postcode", {"answer": "not a postcode"})
    assert bad.status_code == 422 and "Enter a real postcode" in bad.text and 'href="#answer"' in bad.text
    blank = await answer(client, application, "postcode", {"answer": ""})
    assert blank.status_code == 422 and "Enter your home postcode" in blank.text
    first = await answer(client, application, "postcode", {"answer": "b15 2tt"})
    assert first.headers["location"] == f"/applications/{application.id}/questions/ehc_plan"
    await answer(client, application, "ehc_plan", {"answer": "yes"})
    later = await answer(client, application, "dla", {"answer": "no", "later": "1"})
    assert later.headers["location"] == f"/applications/{application.id}"  # saved, and resumed later
    text_q, choice_q, date_q = (q.key for q in questions[3:])
    await answer(client, application, text_q, {"answer": "Me, and my mother at weekends"})
    await answer(client, application, choice_q, {"answer": "School"})
    wrong_date = await answer(client, application, date_q, {"answer-day": "31", "answer-month": "2", "answer-year": "2020"})
    assert wrong_date.status_code == 422 and "Enter a real date" in wrong_date.text and 'href="#answer-day"' in wrong_date.text
    done = await answer(client, application, date_q, {"answer-day": "3", "answer-month": "9", "answer-year": "2019"})
    assert done.headers["location"] == f"/applications/{application.id}/check"

    saved = await Application.get(id=application.id)
    assert saved.answers == {
        "postcode": "B15 2TT",
        "ehc_plan": "yes",
        "dla": "no",
        text_q: "Me, and my mother at weekends",
        choice_q: "School",
        date_q: "2019-09-03",
    }
    check = await client.get(f"/applications/{application.id}/check")
    assert "Check your answers before sending your application" in check.text
    assert "B15 2TT" in check.text and "3 September 2019" in check.text and "I&#39;m not sure" not in check.text
    assert f'href="/applications/{application.id}/questions/postcode?return=check"' in check.text
    # A change from the check page goes back there.
    token = await csrf(client, f"/applications/{application.id}/questions/postcode?return=check")
    changed = await client.post(
        f"/applications/{application.id}/questions/postcode", data={"csrf_token": token, "answer": "B16 8AA", "return": "check"}
    )
    assert changed.headers["location"] == f"/applications/{application.id}/check"
    # The answers are never in the audit log.
    for event in await AuditEvent.filter(record_id=str(application.id)):
        assert "B16" not in str(event.after) and "mother" not in str(event.after)


async def test_submit_checks_every_required_answer_and_changes_nothing_when_one_is_missing(client, council) -> None:
    _family, _child, application = await application_for(client, council)
    await answer(client, application, "postcode", {"answer": "B15 2TT"})
    token = await csrf(client, f"/applications/{application.id}/check")
    response = await client.post(f"/applications/{application.id}/submit", data={"csrf_token": token})
    assert response.status_code == 422
    assert "Answer the question &#39;Does your child get Disability Living Allowance (DLA)?&#39;" in response.text
    assert 'href="#question-dla"' in response.text and 'id="question-dla"' in response.text
    saved = await Application.get(id=application.id)
    assert (saved.status, saved.submitted_at) == (ApplicationStatus.DRAFT, None)
    assert await ApplicationEvent.filter(kind=ApplicationEventKind.SUBMITTED).count() == 0
    assert await OutboxMessage.all().count() == 0


async def test_submitting_sends_the_reference_once_however_often_it_is_clicked(client, council) -> None:
    family, _child, application = await application_for(client, council)
    await answer_all(client, application)
    token = await csrf(client, f"/applications/{application.id}/check")
    first = await client.post(f"/applications/{application.id}/submit", data={"csrf_token": token})
    second = await client.post(f"/applications/{application.id}/submit", data={"csrf_token": token})
    assert first.status_code == 303 and second.status_code == 303
    assert first.headers["location"] == second.headers["location"] == f"/applications/{application.id}"
    saved = await Application.get(id=application.id)
    assert (saved.status, saved.submitted_at) == (ApplicationStatus.SUBMITTED, NOW)
    assert await ApplicationEvent.filter(application_id=application.id, kind=ApplicationEventKind.SUBMITTED).count() == 1
    assert await AuditEvent.filter(action="entitlements.application.submitted").count() == 1
    [email] = await OutboxMessage.all()
    assert email.to_email == family.email and saved.reference in email.subject and saved.reference in email.body
    page = await client.get(f"/applications/{application.id}")
    assert "Waiting for a decision" in page.text and "Application sent" in page.text
    # Answers can no longer change, and the question pages lead back to the application.
    assert (await client.get(f"/applications/{application.id}/questions/dla")).headers["location"] == f"/applications/{application.id}"
    changed = await client.post(f"/applications/{application.id}/questions/dla", data={"csrf_token": token, "answer": "yes"})
    assert changed.status_code == 409 and (await Application.get(id=application.id)).answers["dla"] == "no"
    # Two at once (two tabs, a retried API call): one application sent once.
    principal = await load_principal(family)
    results = await asyncio.gather(
        *(applications.submit_application(principal, saved, now=NOW, link="http://testserver/x") for _ in range(3))
    )
    assert [sent for _, sent in results] == [False, False, False]
    assert await Application.all().count() == 1 and await OutboxMessage.all().count() == 1


async def test_a_failure_while_submitting_leaves_the_draft_as_it_was(client, council, monkeypatch) -> None:
    family, _child, application = await application_for(client, council)
    await answer_all(client, application)

    async def broken(**kwargs: Any) -> None:
        raise RuntimeError("the outbox is unavailable")

    monkeypatch.setattr(applications.mail, "queue_email", broken)
    with pytest.raises(RuntimeError):
        await applications.submit_application(await load_principal(family), application, now=NOW, link="http://testserver/x")
    saved = await Application.get(id=application.id)
    assert (saved.status, saved.submitted_at) == (ApplicationStatus.DRAFT, None)
    assert await ApplicationEvent.filter(kind=ApplicationEventKind.SUBMITTED).count() == 0
    assert await AuditEvent.filter(action="entitlements.application.submitted").count() == 0


async def test_a_family_withdraws_an_undecided_application(client, council) -> None:
    _family, _child, application = await application_for(client, council)
    await answer_all(client, application)
    token = await csrf(client, f"/applications/{application.id}/check")
    await client.post(f"/applications/{application.id}/submit", data={"csrf_token": token})
    response = await client.post(f"/applications/{application.id}/withdraw", data={"csrf_token": token})
    assert response.status_code == 303
    saved = await Application.get(id=application.id)
    assert saved.status == ApplicationStatus.WITHDRAWN
    assert await ApplicationEvent.filter(application_id=application.id, kind=ApplicationEventKind.WITHDRAWN).count() == 1
    page = await client.get(f"/applications/{application.id}")
    assert "Withdrawn by the family" in page.text and "Withdraw application" not in page.text
    # Withdrawn, the child can apply again.
    child = await saved.child
    again = await start(client, child.id)
    assert again.status_code == 303 and await Application.all().count() == 2


async def test_the_applications_list_shows_each_with_its_status(client, council) -> None:
    _family, _child, application = await application_for(client, council)
    page = await client.get("/applications")
    assert page.status_code == 200
    assert application.reference in page.text and "Not sent yet" in page.text and "Sam" in page.text
    assert "The targeted tier" in page.text and 'href="/applications"' in page.text  # in the navigation


async def test_another_familys_application_is_404(client, council) -> None:
    _family, _child, application = await application_for(client, council)
    other = await family_of(council)
    client.cookies.clear()
    await sign_in(client, other)
    for path in ("", "/check", "/questions/postcode"):
        assert (await client.get(f"/applications/{application.id}{path}")).status_code == 404
    token = await csrf(client, "/applications")
    assert (await client.post(f"/applications/{application.id}/submit", data={"csrf_token": token})).status_code == 404
    assert (await client.post(f"/applications/{application.id}/withdraw", data={"csrf_token": token})).status_code == 404
    assert (await Application.get(id=application.id)).status == ApplicationStatus.DRAFT


# --- the council's own questions ---------------------------------------------------------------------------


async def test_officers_manage_their_councils_questions_for_each_tier(client, council) -> None:
    await council.published()
    await sign_in(client, council.officer)
    page = await client.get("/authority/short-breaks/questions")
    assert page.status_code == 200 and "The targeted tier" in page.text and "The universal tier" not in page.text
    token = await csrf(client, "/authority/short-breaks/questions")
    add = "/authority/short-breaks/questions/westshire"
    bad = await client.post(add, data={"csrf_token": token, "tier_code": "targeted", "kind": "choice", "label": "Pick", "choices": "One"})
    assert bad.status_code == 422 and "Give at least two options" in bad.text
    for label in ("First question", "Second question"):
        response = await client.post(
            add, data={"csrf_token": token, "tier_code": "targeted", "kind": "text", "label": label, "required": "true"}
        )
        assert response.status_code == 303
    first, second = await Question.filter(council_id=council.profile.id).order_by("position")
    assert (first.label, second.label, first.required) == ("First question", "Second question", True)

    edit = await client.post(
        f"/authority/short-breaks/questions/q/{first.id}",
        data={"csrf_token": token, "kind": "yes_no", "label": "First, changed", "hint": "A hint"},
    )
    assert edit.status_code == 303
    await client.post(f"/authority/short-breaks/questions/q/{second.id}/move", data={"csrf_token": token, "direction": "up"})
    assert [q.label for q in await Question.filter(council_id=council.profile.id).order_by("position")] == [
        "Second question",
        "First, changed",
    ]
    await client.post(f"/authority/short-breaks/questions/q/{second.id}/archive", data={"csrf_token": token})
    assert (await Question.get(id=second.id)).archived is True
    changed = await Question.get(id=first.id)
    assert (changed.kind, changed.required, changed.hint) == (QuestionKind.YES_NO, False, "A hint")
    assert await AuditEvent.filter(action__startswith="entitlements.question.").count() == 5

    # Another council's officer: 404; a family: 403.
    client.cookies.clear()
    await sign_in(client, council.other_officer)
    assert (await client.get(f"/authority/short-breaks/questions/q/{first.id}")).status_code == 404
    token = await csrf(client, "/authority/short-breaks/questions")
    assert (await client.post(f"/authority/short-breaks/questions/q/{first.id}/archive", data={"csrf_token": token})).status_code == 404
    assert (await client.post(add, data={"csrf_token": token, "tier_code": "targeted", "kind": "text", "label": "X"})).status_code == 404
    family = await family_of(council)
    client.cookies.clear()
    await sign_in(client, family)
    assert (await client.get("/authority/short-breaks/questions")).status_code == 403


@pytest.mark.postgres
async def test_two_submits_and_two_starts_at_once_make_one_application_sent_once(client, council) -> None:
    """Several connections at once (PostgreSQL): the conditional update and the one-open constraint hold."""
    family, _child, application = await application_for(client, council)
    await answer_all(client, application)
    principal = await load_principal(family)
    results = await asyncio.gather(
        *(applications.submit_application(principal, application, now=NOW, link="http://testserver/x") for _ in range(4))
    )
    assert sorted(sent for _, sent in results) == [False, False, False, True]
    assert await ApplicationEvent.filter(kind=ApplicationEventKind.SUBMITTED).count() == 1
    assert await OutboxMessage.all().count() == 1

    # A second child, four starts at once: one draft.
    second = await make_child(family, first_name="Kim")
    tier = await applications.applicable_tier(council.profile, "targeted")
    started = await asyncio.gather(*(applications.start_application(principal, council.profile, tier, second, now=NOW) for _ in range(4)))
    assert len({a.id for a, _ in started}) == 1 and sum(created for _, created in started) == 1
    assert await Application.filter(child_id=second.id).count() == 1
