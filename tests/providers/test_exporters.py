"""Open Referral UK 3.0 output validates against the standard's compiled schemas."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from providers.enums import ProviderStatus
from tests.providers.conftest import make_provider, make_rule, make_service

COMPILED = Path(__file__).parent / "oruk_3_0"
# The compiled schemas declare no "$schema"; the ORUK 3.0 per-object schemata they are compiled from are draft 2020-12.


def _validator(name: str) -> Draft202012Validator:
    path = COMPILED / f"{name}.json"
    if not path.exists():
        pytest.skip(f"ORUK schema {path} is not on this machine")
    return Draft202012Validator(json.loads(path.read_text()))


def _errors(name: str, instance: dict) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in _validator(name).iter_errors(instance)]


@pytest.fixture
async def listed():
    provider = await make_provider(name="Edgbaston Club", postcode="B15 2TT", website="https://example.org", contact_email="hi@example.org")
    service = await make_service(provider, name="Saturday club", description="Games and sensory play")
    await make_rule(service)
    hidden = await make_provider(name="Draft", status=ProviderStatus.DRAFT)
    await make_service(hidden, name="Hidden")
    return service


async def test_api_info_names_the_version_with_cors(client):
    response = await client.get("/openreferral/")
    assert response.json()["version"] == "HSDS-UK-3.0"
    assert response.headers["access-control-allow-origin"] == "*"


async def test_services_page_is_valid_and_shows_only_published(client, listed):
    response = await client.get("/openreferral/services", params={"per_page": 10})
    body = response.json()
    assert response.headers["access-control-allow-origin"] == "*"
    assert {k: body[k] for k in ("total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty")} == {
        "total_items": 1,
        "total_pages": 1,
        "page_number": 1,
        "size": 1,
        "first_page": True,
        "last_page": True,
        "empty": False,
    }
    assert [s["name"] for s in body["contents"]] == ["Saturday club"]
    assert _errors("service_list", body["contents"][0]) == []


async def test_full_service_is_valid(client, listed):
    response = await client.get(f"/openreferral/services/{listed.id}")
    assert response.status_code == 200
    body = response.json()
    assert _errors("service", body) == []
    assert body["schedules"][0]["byday"] == "SA"
    assert body["service_at_locations"][0]["location"]["addresses"][0]["postal_code"] == "B15 2TT"


async def test_service_at_locations_near_a_postcode_are_valid(client, listed):
    await make_service(await make_provider(name="Leeds", postcode="LS1"), name="Leeds club")
    response = await client.get("/openreferral/service_at_locations", params={"postcode": "B15", "proximity": "8000"})
    body = response.json()
    assert [item["service"]["name"] for item in body["contents"]] == ["Saturday club"]
    assert _errors("service_at_location", body["contents"][0]) == []
    assert response.headers["access-control-allow-origin"] == "*"


async def test_draft_services_are_not_found(client, listed):
    from providers.models import Service

    hidden = await Service.get(name="Hidden")
    assert (await client.get(f"/openreferral/services/{hidden.id}")).status_code == 404
