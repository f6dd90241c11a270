"""Blank boxes in a form mean "no value" without breaking optional text fields."""

from __future__ import annotations

from pydantic import BaseModel, Field
from starlette.applications import Starlette
from starlette.requests import Request

from shortbreaks.forms import read_form


class Profile(BaseModel):
    name: str = Field(min_length=1)
    website: str = ""
    urn: str | None = None


def _request(app: Starlette, body: bytes) -> Request:
    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": body, "more_body": False}

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/",
        "headers": [(b"content-type", b"application/x-www-form-urlencoded")],
        "app": app,
    }
    return Request(scope, receive)


async def test_blank_optional_fields_take_their_empty_values(app: Starlette) -> None:
    form, errors, _values = await read_form(_request(app, b"name=Club&website=&urn="), Profile)
    assert errors == []
    assert form == Profile(name="Club", website="", urn=None)


async def test_a_blank_required_field_is_an_error_naming_it(app: Starlette) -> None:
    form, errors, _values = await read_form(_request(app, b"name=&website="), Profile)
    assert form is None
    assert [e.field for e in errors] == ["name"]


class Grant(BaseModel):
    hours: int = 0
    pounds: int = 0


async def test_blank_number_boxes_with_defaults_take_the_default(app: Starlette) -> None:
    form, errors, _values = await read_form(_request(app, b"hours=30&pounds="), Grant)
    assert errors == []
    assert form == Grant(hours=30, pounds=0)
