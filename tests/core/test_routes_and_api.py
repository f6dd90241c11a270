"""Every route declares its permission; the API validates input and documents itself."""

from __future__ import annotations

import enum
import typing

import httpx
import pytest
from openapi_spec_validator import validate
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.routing import Mount

from shortbreaks.accounts.models import LoginAttempt
from shortbreaks.permissions import Permission
from shortbreaks.routing import DeclaredRoute, PublicMount, walk_routes


def test_every_route_declares_a_permission(app: Starlette) -> None:
    undeclared = []
    for path, route in walk_routes(app.routes):
        if isinstance(route, PublicMount):
            continue
        if isinstance(route, Mount):
            continue  # its routes are walked
        if not isinstance(route, DeclaredRoute) or not isinstance(route.permission, Permission):
            undeclared.append(path)
    assert undeclared == []


def test_route_names_are_unique(app: Starlette) -> None:
    names = [route.name for _, route in walk_routes(app.routes) if isinstance(route, DeclaredRoute)]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    assert duplicates == []


def _models(annotation: object, found: dict[str, set[str]]) -> None:
    """Every pydantic model reachable from ``annotation`` (generics and fields too), by class name."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        qualified = f"{annotation.__module__}.{annotation.__qualname__}"
        if qualified in found.setdefault(annotation.__name__, set()):
            return
        found[annotation.__name__].add(qualified)
        for field in annotation.model_fields.values():
            _models(field.annotation, found)
    elif isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        found.setdefault(annotation.__name__, set()).add(f"{annotation.__module__}.{annotation.__qualname__}")
    for argument in typing.get_args(annotation):
        _models(argument, found)


def test_api_schema_names_are_unique(app: Starlette) -> None:
    """The OpenAPI document names each model's schema by its class name alone: two models of one name
    would share a component, and one of them would be described wrongly."""
    found: dict[str, set[str]] = {}
    for _path, route in walk_routes(app.routes):
        spec = getattr(route, "spec", None)
        if spec is not None:
            for annotation in (spec.body, spec.query, spec.response):
                _models(annotation, found)
    assert {name: sorted(where) for name, where in found.items() if len(where) > 1} == {}


async def test_openapi_document_is_valid_and_covers_every_api_route(client: httpx.AsyncClient, app: Starlette) -> None:
    response = await client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"] == "3.1.0"
    validate(document)
    documented = {(path, method.upper()) for path, ops in document["paths"].items() for method in ops}
    expected = set()
    for path, route in walk_routes(app.routes):
        if isinstance(route, DeclaredRoute) and route.kind == "api":
            for method in route.methods or []:
                if method != "HEAD":
                    expected.add((path.replace(":uuid}", "}").replace(":int}", "}"), method))
    assert expected - documented == set()


async def test_openapi_describes_request_bodies_from_the_schemas(client: httpx.AsyncClient) -> None:
    document = (await client.get("/api/openapi.json")).json()
    operation = document["paths"]["/api/v1/auth/tokens"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/TokenRequest"}
    schema = document["components"]["schemas"]["TokenRequest"]
    assert schema["required"] == ["email", "password"]
    assert schema["additionalProperties"] is False
    assert set(operation["responses"]) >= {"201", "400", "401", "413", "415", "422", "429"}


@pytest.mark.parametrize(
    ("content", "headers", "status", "code"),
    [
        (b'{"email": "a@example.com", "password": ', {"content-type": "application/json"}, 400, "malformed_json"),
        (b"email=a@example.com", {"content-type": "application/x-www-form-urlencoded"}, 415, "unsupported_media_type"),
        (b'{"email": "a@example.com", "password": "x", "admin": true}', {"content-type": "application/json"}, 422, "validation_failed"),
        (b'{"email": "a@example.com"}', {"content-type": "application/json"}, 422, "validation_failed"),
        (b'{"email": "' + b"a" * 300 + b'@example.com", "password": "x"}', {"content-type": "application/json"}, 422, "validation_failed"),
        (b"[1, 2, 3]", {"content-type": "application/json"}, 422, "validation_failed"),
        (
            b'{"email": "a@example.com", "password": "' + b"x" * 1_100_000 + b'"}',
            {"content-type": "application/json"},
            413,
            "payload_too_large",
        ),
    ],
    ids=["malformed-json", "wrong-content-type", "unknown-field", "missing-field", "over-long-string", "not-an-object", "too-large"],
)
async def test_bad_input_gets_a_problem_body_and_writes_nothing(
    client: httpx.AsyncClient, content: bytes, headers: dict[str, str], status: int, code: str
) -> None:
    response = await client.post("/api/v1/auth/tokens", content=content, headers=headers)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["title"]
    assert await LoginAttempt.all().count() == 0


async def test_validation_problems_name_each_bad_field(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/auth/tokens", json={"password": "x", "colour": "blue"})
    assert response.json()["errors"] == [
        {"field": "email", "message": "This field is required"},
        {"field": "colour", "message": "Unknown field"},
    ]


async def test_unknown_api_paths_get_a_problem_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_unknown_pages_get_the_404_page(client: httpx.AsyncClient) -> None:
    response = await client.get("/nothing-here")
    assert response.status_code == 404
    assert "Page not found" in response.text


async def test_responses_carry_security_headers_and_a_request_id(client: httpx.AsyncClient) -> None:
    response = await client.get("/", headers={"X-Request-ID": "req-12345678"})
    assert response.headers["x-request-id"] == "req-12345678"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]


def test_enum_query_parameters_are_described_by_shared_components() -> None:
    from enum import StrEnum

    from pydantic import BaseModel

    from shortbreaks.openapi import build_openapi
    from shortbreaks.permissions import PUBLIC
    from shortbreaks.routing import api

    class Colour(StrEnum):
        RED = "red"
        BLUE = "blue"

    class Query(BaseModel):
        colour: Colour | None = None

    async def handler(request, *, query):  # pragma: no cover - never called
        raise AssertionError

    document = build_openapi([api("/api/v1/things", handler, name="things", permission=PUBLIC, query=Query)], title="t", version="1")
    validate(document)
    assert document["components"]["schemas"]["Colour"]["enum"] == ["red", "blue"]
