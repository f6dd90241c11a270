"""Form handling for pages: the same pydantic schemas as the API, errors for the GOV.UK error summary."""

from __future__ import annotations

from typing import Any, TypeVar, get_args

from pydantic import BaseModel, ValidationError
from starlette.requests import Request

from shortbreaks.errors import FieldError
from shortbreaks.routing import validation_errors

M = TypeVar("M", bound=BaseModel)


async def form_values(request: Request) -> dict[str, Any]:
    """The submitted form as a dict; repeated fields (checkboxes) become lists."""
    form = getattr(request.state, "form", None) or await request.form()
    values: dict[str, Any] = {}
    for key in form:
        if key == "csrf_token":
            continue
        items = form.getlist(key)
        values[key] = items if len(items) > 1 or key.endswith("[]") else items[0]
    return {k.removesuffix("[]"): v for k, v in values.items()}


def _accepts_none(schema: type[BaseModel], name: str) -> bool:
    field = schema.model_fields.get(name)
    if field is None:
        return True
    annotation = field.annotation
    return annotation is None or type(None) in get_args(annotation)


async def read_form(
    request: Request, schema: type[M], *, list_fields: tuple[str, ...] = ()
) -> tuple[M | None, list[FieldError], dict[str, Any]]:
    """Validate the submitted form against ``schema``: (model, [], values) or (None, errors, values)."""
    values = await form_values(request)
    for name in list_fields:
        value = values.get(name)
        if value is None:
            values[name] = []
        elif not isinstance(value, list):
            values[name] = [value]
    # A blank box means "no value": the field's default if it has one, else None where the field
    # allows it, else the empty string (which the required field refuses with its own message).
    data: dict[str, Any] = {}
    for key, value in values.items():
        field = schema.model_fields.get(key)
        if value == "" and field is not None and not field.is_required():
            continue
        data[key] = None if value == "" and _accepts_none(schema, key) else value
    try:
        return schema.model_validate(data), [], values
    except ValidationError as exc:
        return None, [_say_what_to_do(schema, error, values, list_fields) for error in validation_errors(exc)], values


def _say_what_to_do(schema: type[BaseModel], error: FieldError, values: dict[str, Any], list_fields: tuple[str, ...]) -> FieldError:
    """A required box left blank gets a message that names it and says what to do, as GOV.UK's do.

    pydantic's own ("String should have at least 1 character") does neither, and reads the same
    for every field, so the error summary's links could not be told apart. A schema can word its
    own in ``form_blank_messages``; otherwise "Enter <the field's title or name>".
    """
    field = schema.model_fields.get(error.field)
    if field is None or not field.is_required() or values.get(error.field) not in (None, "", []):
        return error
    own: dict[str, str] = getattr(schema, "form_blank_messages", {})
    label = (field.title or error.field.replace("_", " ")).lower()
    verb = "Select" if error.field in list_fields else "Enter"
    return FieldError(error.field, own.get(error.field) or f"{verb} {label}")
