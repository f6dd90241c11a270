"""Blank boxes in a form mean "no value" without breaking optional text fields."""

from __future__ import annotations

from datetime import date
from typing import ClassVar
from uuid import UUID

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


async def test_a_filled_in_field_that_is_wrong_says_what_is_wrong_naming_the_field(app: Starlette) -> None:
    _form, errors, _values = await read_form(_request(app, b"email=a&display_name=far+too+long&needs=x"), SignUp, list_fields=("needs",))

    assert [(e.field, e.message) for e in errors] == [("display_name", "Display name must be 5 characters or fewer")]


class Child(BaseModel):
    age: int = Field(ge=0, le=25)
    date_of_birth: date
    within: float = Field(default=10, gt=0)
    child_ids: list[UUID] = []


async def test_what_pydantic_says_is_put_in_the_gov_uk_pattern_naming_each_field_by_its_label(app: Starlette) -> None:
    body = b"age=ten&date_of_birth=2015-13-01&within=far&child_ids=not-an-id"
    labels = {"age": "Child's age", "within": "Within (miles)"}

    _form, errors, _values = await read_form(_request(app, body), Child, list_fields=("child_ids",), labels=labels)

    assert [(e.field, e.message) for e in errors] == [
        ("age", "Child's age must be a whole number, like 3"),
        ("date_of_birth", "Date of birth must be a real date, like 2015-04-27"),
        ("within", "Within (miles) must be a number, like 5"),
        ("child_ids", "Select child ids from the list"),
    ]
    assert not any("Input should" in e.message or "expected range" in e.message for e in errors)


async def test_a_number_out_of_range_says_the_range(app: Starlette) -> None:
    body = b"age=30&date_of_birth=2015-04-27&within=0"
    _form, errors, _values = await read_form(_request(app, body), Child, labels={"age": "Child's age"})

    assert [(e.field, e.message) for e in errors] == [
        ("age", "Child's age must be 25 or less"),
        ("within", "Within must be more than 0"),
    ]
