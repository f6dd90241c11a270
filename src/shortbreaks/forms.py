"""Form handling for pages: the same pydantic schemas as the API, errors for the GOV.UK error summary."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, get_args

from pydantic import BaseModel, ValidationError
from starlette.requests import Request

from shortbreaks.errors import FieldError, ValidationFailed
from shortbreaks.messages import describe_all

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
    request: Request,
    schema: type[M],
    *,
    list_fields: tuple[str, ...] = (),
    labels: Mapping[str, str] | None = None,
) -> tuple[M | None, list[FieldError], dict[str, Any]]:
    """Validate the submitted form against ``schema``: (model, [], values) or (None, errors, values).

    Errors are in people's words and name their field by ``labels`` (what the form's labels say),
    else the field's ``title`` or name (:mod:`shortbreaks.messages`).
    """
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
        return None, describe_all(exc, schema=schema, labels=labels, values=values, list_fields=list_fields), values


def read_query(request: Request, schema: type[M], *, labels: Mapping[str, str] | None = None, extra: Mapping[str, Any] | None = None) -> M:
    """The query string validated as ``schema`` (a search form sent by GET); ``ValidationFailed``
    with messages in people's words, naming each field by ``labels``. A blank box means not given;
    ``extra`` adds values the page worked out itself (pence from a box in pounds)."""
    data: dict[str, Any] = {}
    for key in request.query_params:
        given = [v for v in request.query_params.getlist(key) if v != ""]
        if given:
            data[key] = given[0] if len(given) == 1 else given
    data.update(extra or {})
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(errors=describe_all(exc, schema=schema, labels=labels)) from None
