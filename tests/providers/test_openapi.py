"""The provider directory's API appears in the OpenAPI document, which stays valid."""

from __future__ import annotations

from openapi_spec_validator import validate


async def test_openapi_document_lists_the_search_api_and_is_valid(client):
    response = await client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.json()
    validate(document)
    search = document["paths"]["/api/v1/services"]["get"]
    assert {p["name"] for p in search["parameters"]} >= {"postcode", "within_miles", "needs", "from", "weekdays", "page_size"}
