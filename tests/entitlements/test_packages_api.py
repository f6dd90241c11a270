"""Agreed packages in the JSON API: list, record, vary and end, with problem details naming the field for bad input,
409 for a second change on the same day, 404 for another council's officer and 403 for anyone not an officer."""

from __future__ import annotations

from entitlements import packages
from entitlements.models import AgreedPackage, PackageAmount
from tests.entitlements.applications import make_child
from tests.entitlements.test_packages import terms
from tests.factories import NOW, bearer


def url(child, tail: str = "") -> str:
    return f"/api/v1/authority/children/{child.id}/packages{tail}"


async def test_recording_and_listing_a_package(client, council) -> None:
    child = await make_child(council)
    headers = await bearer(council.officer)
    body = {
        "source": "child_in_need",
        "source_reference": "CIN-2026-7",
        "starts_on": "2026-04-01",
        "ends_on": "2027-03-31",
        "pence": 20000,
        "per": "month",
        "pattern": "2 overnights a month",
    }
    made = await client.post(url(child), json=body, headers=headers)
    assert made.status_code == 201
    out = made.json()
    assert (out["source"], out["officer_id"], out["pattern"]) == ("child_in_need", str(council.officer.id), "2 overnights a month")
    assert out["amounts"] == [
        {
            "effective_from": "2026-04-01",
            "minutes": None,
            "pence": 20000,
            "per": "month",
            "reason": "",
            "recorded_by": str(council.officer.id),
        }
    ]
    listed = await client.get(url(child), headers=headers)
    assert (listed.status_code, [p["id"] for p in listed.json()]) == (200, [out["id"]])
    one = await client.get(url(child, f"/{out['id']}"), headers=headers)
    assert one.json() == out


async def test_bad_input_is_a_problem_naming_the_field_and_nothing_is_written(client, council) -> None:
    child = await make_child(council)
    headers = await bearer(council.officer)
    good = {
        "source": "ehc_plan_h2",
        "source_reference": "EHCP-3",
        "starts_on": "2026-04-01",
        "ends_on": "2027-03-31",
        "minutes": 600,
        "per": "month",
    }
    for change, field in (
        ({"ends_on": "2026-01-01"}, "ends_on"),
        ({"minutes": -60}, "minutes"),
        ({"minutes": None, "pence": 0}, "pence"),
        ({"source_reference": ""}, "source_reference"),
    ):
        response = await client.post(url(child), json={**good, **change}, headers=headers)
        assert (response.status_code, response.headers["content-type"]) == (422, "application/problem+json")
        assert response.json()["errors"][0]["field"] == field
    assert await AgreedPackage.all().count() == 0


async def test_varying_and_ending_through_the_api(client, council) -> None:
    child = await make_child(council)
    package = await packages.record_package(child, terms(), actor=council.officer_p, now=NOW)
    headers = await bearer(council.officer)
    one = url(child, f"/{package.id}")

    before = await client.post(
        one + "/variations", json={"effective_from": "2026-03-01", "minutes": 240, "per": "week", "reason": "x"}, headers=headers
    )
    assert (before.status_code, before.json()["errors"][0]["field"]) == (422, "effective_from")
    varied = await client.post(
        one + "/variations", json={"effective_from": "2026-09-01", "minutes": 240, "per": "week", "reason": "Review"}, headers=headers
    )
    assert varied.status_code == 201
    assert [(a["effective_from"], a["minutes"], a["reason"]) for a in varied.json()["amounts"]] == [
        ("2026-04-01", 180, ""),
        ("2026-09-01", 240, "Review"),
    ]
    twice = await client.post(
        one + "/variations", json={"effective_from": "2026-09-01", "minutes": 300, "per": "week", "reason": "Again"}, headers=headers
    )
    assert (twice.status_code, twice.headers["content-type"]) == (409, "application/problem+json")

    no_reason = await client.post(one + "/end", json={"ends_on": "2026-12-31", "reason": " "}, headers=headers)
    assert (no_reason.status_code, no_reason.json()["errors"][0]["field"]) == (422, "reason")
    ended = await client.post(one + "/end", json={"ends_on": "2026-12-31", "reason": "Moved away"}, headers=headers)
    assert (ended.status_code, ended.json()["ends_on"]) == (200, "2026-12-31")
    assert await PackageAmount.filter(package_id=package.id).count() == 2


async def test_another_councils_officer_gets_404_and_a_family_403(client, council) -> None:
    child = await make_child(council)
    package = await packages.record_package(child, terms(), actor=council.officer_p, now=NOW)
    other = await bearer(council.other_officer)
    assert (await client.get(url(child), headers=other)).status_code == 404
    assert (await client.get(url(child, f"/{package.id}"), headers=other)).status_code == 404
    body = {"effective_from": "2026-09-01", "minutes": 240, "per": "week", "reason": "Review"}
    assert (await client.post(url(child, f"/{package.id}/variations"), json=body, headers=other)).status_code == 404
    assert (await client.get(url(child), headers=await bearer(council.family))).status_code == 403
    assert await PackageAmount.filter(package_id=package.id).count() == 1
