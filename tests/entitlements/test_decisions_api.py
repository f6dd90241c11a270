"""Deciding applications in the JSON API: the queue, one application, assigning, asking, approving,
refusing and reviews, with problem details for refusals (documented in the OpenAPI)."""

from __future__ import annotations

from entitlements import decisions
from entitlements.enums import ApplicationStatus
from entitlements.models import Application
from shortbreaks.clock import utc
from shortbreaks.permissions import Principal
from tests.entitlements.applications import second_officer, submitted_application
from tests.factories import NOW, bearer

BASE = "/api/v1/authority/applications"


async def test_the_queue_and_one_application(client, council) -> None:
    old = await submitted_application(council, submitted_at=utc(2026, 4, 1, 9))
    new = await submitted_application(council, submitted_at=utc(2026, 6, 9, 9))
    headers = await bearer(council.officer)
    response = await client.get(BASE, headers=headers)
    assert response.status_code == 200
    body = response.json()
    assert [a["reference"] for a in body] == [old.reference, new.reference]
    assert body[1]["clock"] == {
        "waited_working_days": 1,
        "target_working_days": 20,
        "paused_working_days": 0,
        "paused": False,
        "renewal": False,
        "due_on": "2026-07-07",
        "overdue": False,
    }
    assert body[0]["clock"]["overdue"] is True
    assert [a["reference"] for a in (await client.get(BASE + "?overdue=true", headers=headers)).json()] == [old.reference]
    bad = await client.get(BASE + "?status=nonsense", headers=headers)
    assert (bad.status_code, bad.headers["content-type"]) == (422, "application/problem+json")

    one = await client.get(f"{BASE}/{new.id}", headers=headers)
    assert one.status_code == 200
    assert (one.json()["answers"]["ehc_plan"], one.json()["council"], one.json()["events"]) == ("yes", "Westshire Council", [])
    assert (await client.get(f"{BASE}/{new.id}", headers=await bearer(council.other_officer))).status_code == 404
    assert (await client.get(BASE, headers=await bearer(council.family))).status_code == 403


async def test_deciding_through_the_api_with_problems_for_refusals(client, council) -> None:
    application = await submitted_application(council)
    headers = await bearer(council.officer)
    url = f"{BASE}/{application.id}"

    assigned = await client.post(url + "/assign", json={"assigned_to": str(council.officer.id)}, headers=headers)
    assert (assigned.status_code, assigned.json()["assigned_to"]) == (200, str(council.officer.id))
    wrong = await client.post(url + "/assign", json={"assigned_to": str(council.other_officer.id)}, headers=headers)
    assert (wrong.status_code, wrong.json()["errors"][0]["field"]) == (422, "assigned_to")

    asked = await client.post(url + "/more-info", json={"info_request": "Send the plan"}, headers=headers)
    assert (asked.status_code, asked.json()["status"], asked.json()["clock"]["paused"]) == (200, "more_info", True)
    await decisions.send_information(application, reply="Sent", actor=Principal(user=council.family), now=NOW)

    other = await client.post(url + "/approve", json={"minutes": 4680}, headers=await bearer(council.other_officer))
    assert other.status_code == 404
    empty = await client.post(url + "/approve", json={}, headers=headers)
    assert (empty.status_code, empty.json()["code"], empty.json()["errors"][0]["field"]) == (422, "validation_failed", "hours")
    approved = await client.post(url + "/approve", json={"minutes": 4680}, headers=headers)
    assert approved.status_code == 200
    assert (approved.json()["status"], approved.json()["approved_minutes"]) == ("approved", 4680)
    assert approved.json()["allocation_id"] is not None
    twice = await client.post(url + "/refuse", json={"refusal_reason": "other", "explanation": "No"}, headers=headers)
    assert (twice.status_code, twice.headers["content-type"], twice.json()["code"]) == (409, "application/problem+json", "not_decidable")

    no_review = await client.post(url + "/review/decide", json={"decision": "uphold", "outcome": "Fine"}, headers=headers)
    assert no_review.status_code == 404
    await decisions.request_review(application, grounds="More hours", actor=Principal(user=council.family), now=NOW)
    reviewer, _ = await second_officer(council)
    same = await client.post(url + "/review/assign", json={"reviewer_id": str(council.officer.id)}, headers=headers)
    assert (same.status_code, same.json()["errors"][0]["field"]) == (422, "reviewer_id")
    await client.post(url + "/review/assign", json={"reviewer_id": str(reviewer.id)}, headers=headers)
    upheld = await client.post(
        url + "/review/decide", json={"decision": "uphold", "outcome": "78 hours meets the needs"}, headers=await bearer(reviewer)
    )
    assert upheld.status_code == 200
    assert [r["status"] for r in upheld.json()["reviews"]] == ["upheld"]
    assert (await Application.get(id=application.id)).status == ApplicationStatus.APPROVED


async def test_the_openapi_documents_the_problems(client) -> None:
    spec = (await client.get("/api/openapi.json")).json()
    approve = spec["paths"]["/api/v1/authority/applications/{application_id}/approve"]["post"]
    assert {"403", "404", "409", "422"} <= set(approve["responses"])
