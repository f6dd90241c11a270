"""Deciding applications on pages: the officers' queue and application page, the family's answer and request
for a review, the decision letter, and who may see each (404 for anyone else)."""

from __future__ import annotations

import re

from starlette.datastructures import URL

from bookings.models import Allocation
from entitlements import decisions
from entitlements.enums import ApplicationStatus, RefusalReason
from entitlements.models import Application, ApplicationEvent, Evidence
from shortbreaks.accounts.enums import Role
from shortbreaks.clock import utc
from shortbreaks.permissions import Principal
from tests.entitlements.applications import second_officer, submitted_application
from tests.entitlements.conftest import make_user
from tests.factories import NOW, csrf_from, sign_in


def officer_url(application: Application, tail: str = "") -> str:
    return f"/authority/applications/{application.id}{tail}"


async def post(client, page_url: str, action: str, data: dict) -> object:
    page = await client.get(page_url)
    return await client.post(action, data={"csrf_token": csrf_from(page.text), **data})


async def test_the_queue_lists_the_councils_applications_oldest_first_with_days_against_target(client, council) -> None:
    old = await submitted_application(council, submitted_at=utc(2026, 4, 1, 9))
    new = await submitted_application(council, submitted_at=utc(2026, 6, 9, 9))
    await sign_in(client, council.officer)
    response = await client.get("/authority/applications")
    assert response.status_code == 200
    html = response.text
    assert html.index(old.reference) < html.index(new.reference)
    assert "Applications (2 waiting)" in html  # the navigation's count of undecided applications
    row = html[html.index(old.reference) : html.index(new.reference)]
    assert "of 20" in row and "Overdue" in row
    new_row = html[html.index(new.reference) :]
    assert "1 of 20" in new_row and "Overdue" not in new_row.split("</tr>")[0]

    filtered = await client.get("/authority/applications?overdue=true")
    assert old.reference in filtered.text and new.reference not in filtered.text
    assert "No applications match." in (await client.get("/authority/applications?status=refused")).text
    bad = await client.get("/authority/applications?status=nonsense")
    assert bad.status_code == 422

    # Assign to me from the queue.
    assigned = await post(client, "/authority/applications", officer_url(old, "/assign"), {"assigned_to": "me", "back": "queue"})
    assert (assigned.status_code, assigned.headers["location"]) == (303, "/authority/applications")
    assert (await Application.get(id=old.id)).assigned_to_id == council.officer.id
    mine = await client.get("/authority/applications?assigned=me")
    assert old.reference in mine.text and new.reference not in mine.text


async def test_another_councils_officer_sees_none_of_it(client, council) -> None:
    application = await submitted_application(council)
    await sign_in(client, council.other_officer)
    assert application.reference not in (await client.get("/authority/applications?status=all")).text
    assert (await client.get(officer_url(application))).status_code == 404
    page = await client.get("/authority/applications")
    response = await client.post(officer_url(application, "/approve"), data={"csrf_token": csrf_from(page.text), "hours": "78"})
    assert response.status_code == 404
    assert (await client.get(f"/applications/{application.id}/letter")).status_code == 404
    assert (await Application.get(id=application.id)).status == ApplicationStatus.SUBMITTED


async def test_an_officer_reads_the_application_and_asks_for_more_information_and_the_family_answers(client, council) -> None:
    application = await submitted_application(council)
    await Evidence.create(
        application_id=application.id,
        filename="ehc-plan.pdf",
        content_type="application/pdf",
        size_bytes=2048,
        sha256="0" * 64,
        storage_key="k1",
    )
    await sign_in(client, council.officer)
    page = await client.get(officer_url(application))
    assert page.status_code == 200
    assert "A regular evening off" in page.text and "ehc-plan.pdf" in page.text
    assert 'value="78"' in page.text  # the tier's allowance, prefilled

    blank = await post(client, officer_url(application), officer_url(application, "/more-info"), {"info_request": ""})
    assert blank.status_code == 422
    assert 'href="#info_request"' in blank.text and 'aria-describedby="info_request-hint info_request-error"' in blank.text

    asked = await post(client, officer_url(application), officer_url(application, "/more-info"), {"info_request": "Send the EHC plan"})
    assert asked.status_code == 303
    assert (await Application.get(id=application.id)).status == ApplicationStatus.MORE_INFO

    # The family answers on its own page; another family finds nothing there.
    client.cookies.clear()
    await sign_in(client, council.family)
    form = await client.get(f"/applications/{application.id}/more-info")
    assert form.status_code == 200 and "Send the EHC plan" in form.text
    empty = await client.post(f"/applications/{application.id}/more-info", data={"csrf_token": csrf_from(form.text), "reply": ""})
    assert empty.status_code == 422 and "Enter your answer to the council" in empty.text
    sent = await client.post(
        f"/applications/{application.id}/more-info", data={"csrf_token": csrf_from(form.text), "reply": "I emailed it"}
    )
    assert sent.status_code == 303
    row = await Application.get(id=application.id)
    assert (row.status, row.paused_at) == (ApplicationStatus.SUBMITTED, None)

    client.cookies.clear()
    await sign_in(client, council.officer)
    page = await client.get(officer_url(application))
    assert "I emailed it" in page.text and "More information sent" in page.text


async def test_a_family_cannot_answer_for_another_family(client, council) -> None:
    application = await submitted_application(council)
    await decisions.request_information(application, request_text="Send it", actor=council.officer_p, now=NOW)
    other = await make_user(role=Role.FAMILY, organisation=council.authority)
    await sign_in(client, other)
    assert (await client.get(f"/applications/{application.id}/more-info")).status_code == 404
    assert (await client.get(f"/applications/{application.id}/review")).status_code == 404
    assert (await client.get(f"/applications/{application.id}/letter")).status_code == 404


async def test_approving_on_the_page_gives_the_allocation_and_the_letter_says_so(client, council) -> None:
    application = await submitted_application(council)
    await sign_in(client, council.officer)
    none = await post(client, officer_url(application), officer_url(application, "/approve"), {"hours": "", "pounds": ""})
    assert none.status_code == 422 and "Enter the hours or the amount to approve" in none.text
    different = await post(client, officer_url(application), officer_url(application, "/approve"), {"hours": "40", "pounds": ""})
    assert different.status_code == 422 and 'href="#reason"' in different.text
    approved = await post(client, officer_url(application), officer_url(application, "/approve"), {"hours": "78", "pounds": ""})
    assert approved.status_code == 303
    row = await Application.get(id=application.id)
    assert row.status == ApplicationStatus.APPROVED
    assert (await Allocation.get(id=row.allocation_id)).balance_minutes == 78 * 60

    again = await post(
        client, officer_url(application), officer_url(application, "/refuse"), {"refusal_reason": "other", "explanation": "x"}
    )
    assert again.status_code == 409 and "already been decided" in again.text

    letter = await client.get(f"/applications/{application.id}/letter")
    assert letter.status_code == 200
    text = letter.text
    assert "Westshire Council" in text and application.reference in text and "Sam Jones" in text
    assert "78 hours" in text and "Sunday 1 February 2026 to Sunday 31 January 2027" in text
    assert "Local Government and Social Care Ombudsman" in text and "ask us to review" in text
    assert "Wednesday 10 June 2026" in text

    client.cookies.clear()
    await sign_in(client, council.family)
    mine = await client.get(f"/applications/{application.id}/letter")
    assert mine.status_code == 200 and f'href="/applications/{application.id}/review"' in mine.text


async def test_refusing_then_a_review_by_another_officer_changes_the_decision(client, council) -> None:
    application = await submitted_application(council)
    await sign_in(client, council.officer)
    missing = await post(client, officer_url(application), officer_url(application, "/refuse"), {"explanation": "No plan"})
    assert missing.status_code == 422 and "Select the reason for refusing" in missing.text
    refused = await post(
        client,
        officer_url(application),
        officer_url(application, "/refuse"),
        {"refusal_reason": RefusalReason.NOT_ENOUGH_EVIDENCE.value, "explanation": "We did not see the EHC plan"},
    )
    assert refused.status_code == 303
    letter = await client.get(f"/applications/{application.id}/letter")
    assert "There was not enough evidence of the child" in letter.text and "We did not see the EHC plan" in letter.text

    client.cookies.clear()
    await sign_in(client, council.family)
    form = await client.get(f"/applications/{application.id}/review")
    assert form.status_code == 200
    asked = await client.post(
        f"/applications/{application.id}/review", data={"csrf_token": csrf_from(form.text), "grounds": "The plan was attached"}
    )
    assert asked.status_code == 303

    # The officer who decided cannot decide the review; the form is not offered to them.
    client.cookies.clear()
    await sign_in(client, council.officer)
    page = await client.get(officer_url(application))
    assert "The plan was attached" in page.text and 'id="review-decide"' not in page.text
    reviewer, _ = await second_officer(council)
    same = await post(
        client, officer_url(application), officer_url(application, "/review/assign"), {"reviewer_id": str(council.officer.id)}
    )
    assert same.status_code == 422 and "different officer" in same.text
    assigned = await post(client, officer_url(application), officer_url(application, "/review/assign"), {"reviewer_id": str(reviewer.id)})
    assert assigned.status_code == 303

    client.cookies.clear()
    await sign_in(client, reviewer)
    decided = await post(
        client,
        officer_url(application),
        officer_url(application, "/review/decide"),
        {"decision": "change", "outcome": "The plan shows the needs", "review_hours": "78"},
    )
    assert decided.status_code == 303
    assert (await Application.get(id=application.id)).status == ApplicationStatus.APPROVED
    letter = await client.get(f"/applications/{application.id}/letter")
    assert "The outcome of your review" in letter.text and "We have changed our decision." in letter.text
    assert "The plan shows the needs" in letter.text and "78 hours" in letter.text
    assert [e.kind.value for e in await ApplicationEvent.filter(application_id=application.id).order_by("at", "created_at")] == [
        "refused",
        "review_requested",
        "assigned",
        "review_decided",
    ]


async def test_the_familys_actions_show_what_they_can_do_next(app, council) -> None:
    application = await submitted_application(council)
    template = app.state.templates.env.get_template("entitlements/_application_actions.html")

    class _Request:
        def url_for(self, name: str, **params: object) -> object:
            return URL(str(app.url_path_for(name, **params)))

    def shown(row: Application) -> str:
        return re.sub(r"\s+", " ", template.render(application=row, request=_Request()))

    assert "application-actions" not in shown(application)
    await decisions.request_information(application, request_text="Send it", actor=council.officer_p, now=NOW)
    assert f'href="/applications/{application.id}/more-info"' in shown(await Application.get(id=application.id))
    await decisions.send_information(application, reply="Sent", actor=Principal(user=council.family), now=NOW)
    await decisions.approve(application, minutes=4680, pence=None, actor=council.officer_p, now=NOW)
    decided = shown(await Application.get(id=application.id))
    assert f'href="/applications/{application.id}/letter"' in decided and f'href="/applications/{application.id}/review"' in decided
