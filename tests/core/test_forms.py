"""Blank boxes in a form mean "no value" without breaking optional text fields."""

from __future__ import annotations

from typing import ClassVar

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


class SignUp(BaseModel):
    form_blank_messages: ClassVar[dict[str, str]] = {"email": "Enter your email address"}

    email: str = Field(min_length=1)
    display_name: str = Field(min_length=1, max_length=5)
    needs: list[str] = Field(min_length=1)


async def test_a_blank_required_field_says_what_to_enter_in_the_schemas_words_or_by_its_name(app: Starlette) -> None:
    _form, errors, _values = await read_form(_request(app, b"email=&display_name="), SignUp, list_fields=("needs",))

    assert [(e.field, e.message) for e in errors] == [
        ("email", "Enter your email address"),
        ("display_name", "Enter display name"),
        ("needs", "Select needs"),
    ]


async def test_a_filled_in_field_that_is_wrong_keeps_its_own_message(app: Starlette) -> None:
    _form, errors, _values = await read_form(_request(app, b"email=a&display_name=far+too+long&needs=x"), SignUp, list_fields=("needs",))

    assert [(e.field, e.message) for e in errors] == [("display_name", "String should have at most 5 characters")]
