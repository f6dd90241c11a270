"""Applications in the JSON API: start, answer, upload, submit (twice), list, withdraw; refusals as problem details."""

from __future__ import annotations

from datetime import date

from entitlements.enums import ApplicationStatus
from entitlements.models import Application, Evidence
from shortbreaks.models import OutboxMessage
from tests.bookings.conftest import make_child
from tests.entitlements.test_applications import family_of
from tests.entitlements.test_applications_evidence import PDF, PNG
from tests.factories import bearer

BASE = "/api/v1/applications"


async def _start(client, council):
    await council.published()
    family = await family_of(council)
    child = await make_child(family, first_name="Sam")
    headers = await bearer(family)
    response = await client.post(BASE, json={"council": "westshire", "tier_code": "targeted", "child_id": str(child.id)}, headers=headers)
    return family, child, headers, response


async def test_a_family_applies_through_the_api(client, council) -> None:
    _family, child, headers, created = await _start(client, council)
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["status"], body["tier_code"], body["child_first_name"], body["council"]) == ("draft", "targeted", "Sam", "westshire")
    assert [q["key"] for q in body["questions"]] == ["postcode", "ehc_plan", "dla"]
    assert body["questions"][1]["options"] == ["yes", "no", "not_sure"]
    one = f"{BASE}/{body['id']}"
    again = await client.post(BASE, json={"council": "westshire", "tier_code": "targeted", "child_id": str(child.id)}, headers=headers)
    assert again.status_code == 200 and again.json()["id"] == body["id"]

    incomplete = await client.post(one + "/submit", headers=headers)
    assert incomplete.status_code == 422 and incomplete.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in incomplete.json()["errors"]] == ["postcode", "ehc_plan", "dla"]

    bad = await client.put(one + "/answers/postcode", json={"value": "nowhere"}, headers=headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "postcode"
    assert (await client.put(one + "/answers/nothing", json={"value": "x"}, headers=headers)).status_code == 404
    for key, value in (("postcode", "b15 2tt"), ("ehc_plan", "not_sure"), ("dla", "yes")):
        response = await client.put(one + f"/answers/{key}", json={"value": value}, headers=headers)
        assert response.status_code == 200, response.text
    assert [q["shown"] for q in response.json()["questions"]] == ["B15 2TT", "I'm not sure", "Yes"]

    png_as_pdf = await client.post(one + "/evidence", files={"file": ("dla.pdf", PNG, "application/pdf")}, headers=headers)
    assert png_as_pdf.status_code == 422 and png_as_pdf.json()["code"] == "file_type_mismatch"
    uploaded = await client.post(one + "/evidence", files={"file": ("dla.pdf", PDF, "application/pdf")}, headers=headers)
    assert uploaded.status_code == 201
    [evidence] = uploaded.json()["evidence"]
    download = await client.get(evidence["url"], headers=headers)
    assert download.content == PDF and download.headers["content-disposition"].startswith("attachment")

    sent = await client.post(one + "/submit", headers=headers)
    resent = await client.post(one + "/submit", headers=headers)
    assert sent.status_code == resent.status_code == 200
    assert sent.json()["status"] == resent.json()["status"] == "submitted"
    assert await OutboxMessage.all().count() == 1 and await Application.all().count() == 1
    assert [e["kind"] for e in sent.json()["history"]] == ["started", "evidence_added", "submitted"]
    # Answers are fixed once sent.
    assert (await client.put(one + "/answers/dla", json={"value": "no"}, headers=headers)).status_code == 409

    listed = await client.get(BASE, headers=headers)
    assert [a["reference"] for a in listed.json()["applications"]] == [body["reference"]]
    withdrawn = await client.post(one + "/withdraw", headers=headers)
    assert withdrawn.json()["status"] == ApplicationStatus.WITHDRAWN.value


async def test_another_familys_child_or_application_is_404_and_a_child_outside_the_tier_is_422(client, council) -> None:
    _family, _child, headers, created = await _start(client, council)
    other = await family_of(council)
    other_headers = await bearer(other)
    theirs = await make_child(other, first_name="Ava")
    response = await client.post(BASE, json={"council": "westshire", "tier_code": "targeted", "child_id": str(theirs.id)}, headers=headers)
    assert response.status_code == 404 and response.headers["content-type"] == "application/problem+json"
    one = f"{BASE}/{created.json()['id']}"
    assert (await client.get(one, headers=other_headers)).status_code == 404
    assert (await client.post(one + "/submit", headers=other_headers)).status_code == 404
    upload = await client.post(one + "/evidence", files={"file": ("dla.pdf", PDF, "application/pdf")}, headers=other_headers)
    assert upload.status_code == 404 and await Evidence.all().count() == 0

    old = await make_child(other, first_name="Jo", dob=date(2007, 1, 15))
    outside = await client.post(
        BASE, json={"council": "westshire", "tier_code": "targeted", "child_id": str(old.id)}, headers=other_headers
    )
    assert outside.status_code == 422
    assert outside.json()["code"] == "outside_tier" and outside.json()["detail"] == "Jo is 19; this tier is for children aged 0 to 17"
    assert await Application.filter(child_id=old.id).count() == 0
    # An officer is not a family: 403.
    officer_headers = await bearer(council.officer)
    assert (await client.get(BASE, headers=officer_headers)).status_code == 403


async def test_the_openapi_document_describes_the_upload_and_its_problems(client) -> None:
    spec = (await client.get("/api/openapi.json")).json()
    upload = spec["paths"]["/api/v1/applications/{application_id}/evidence"]["post"]
    schema = upload["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert schema["properties"]["file"] == {"type": "string", "format": "binary"}
    assert {"401", "403", "404", "409", "413", "415", "422"} <= set(upload["responses"])
    create = spec["paths"]["/api/v1/applications"]["post"]
    assert {"201", "404", "409", "422"} <= set(create["responses"])
