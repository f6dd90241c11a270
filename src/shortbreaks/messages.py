"""Validation messages in people's words, as GOV.UK's error messages pattern has them.

pydantic says "Input should be a valid integer, unable to parse string as an integer" or
"Input should be a valid date or datetime, month value is outside expected range of 1-12": it
names no field and says nothing about what to do. Here each error names its field (by the label
people see on the form) and says how to put it right: "Enter child's age", "Child's age must be
a whole number", "Date of birth must be a real date, like 2015-04-27".

A schema may word its own messages for a blank field in ``form_blank_messages``; a validator's
own ``ValueError`` message, and our own error types (``PydanticCustomError``), were written for
people and are kept as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from pydantic_core.core_schema import ErrorType

from shortbreaks.errors import FieldError

DATE_EXAMPLE = "2015-04-27"
# pydantic's own error types; any other (a ``PydanticCustomError`` of ours, such as "pounds") was
# written for people and is kept as it is.
PYDANTIC_ERROR_TYPES = frozenset(get_args(ErrorType))


def field_label(schema: type[BaseModel] | None, name: str, labels: Mapping[str, str] | None = None) -> str:
    """What the form calls a field: ``labels``, else the field's ``title``, else its name in words."""
    if labels and name in labels:
        return labels[name]
    field = _field(schema, name)
    if field is not None and field.title:
        return field.title
    return name.replace("_", " ").capitalize()


def _field(schema: type[BaseModel] | None, name: str) -> Any:
    if schema is None:
        return None
    found = schema.model_fields.get(name)
    if found is None:  # an alias, such as the search's ``from``
        found = next((f for f in schema.model_fields.values() if f.alias == name), None)
    return found


def _is_list(schema: type[BaseModel] | None, name: str) -> bool:
    field = _field(schema, name)
    if field is None:
        return False
    annotation = field.annotation
    return get_origin(annotation) is list or any(get_origin(a) is list for a in get_args(annotation))


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[1:2].islower() or len(text) == 1 else text


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def describe(
    error: ErrorDetails,
    *,
    schema: type[BaseModel] | None = None,
    labels: Mapping[str, str] | None = None,
    blank: bool = False,
    choose: bool = False,
) -> FieldError:
    """One pydantic error as a GOV.UK message naming its field. ``blank``: the person left it empty;
    ``choose``: the field is picked from options (checkboxes, a list), so "Select", not "Enter"."""
    name = str(error["loc"][0]) if error["loc"] else "form"
    field = ".".join(str(part) for part in error["loc"] if not isinstance(part, int)) or "form"
    label = field_label(schema, name, labels)
    kind = error["type"]
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    own: dict[str, str] = getattr(schema, "form_blank_messages", {}) if schema is not None else {}
    choose = choose or _is_list(schema, name)
    if kind not in PYDANTIC_ERROR_TYPES and not (blank and name in own):
        message = str(error["msg"])
    elif blank or kind == "missing":
        message = own.get(name) or f"{'Select' if choose else 'Enter'} {_lower_first(label)}"
    elif kind in ("int_parsing", "int_type", "int_from_float"):
        message = f"{label} must be a whole number, like 3"
    elif kind in ("float_parsing", "float_type", "decimal_parsing", "decimal_type"):
        message = f"{label} must be a number, like 5"
    elif kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = {
            "greater_than_equal": "{} or more",
            "greater_than": "more than {}",
            "less_than_equal": "{} or less",
            "less_than": "less than {}",
        }
        value = ctx.get("ge", ctx.get("gt", ctx.get("le", ctx.get("lt"))))
        message = f"{label} must be {bound[kind].format(_number(value))}"
    elif kind.startswith(("date_", "datetime_")) or kind in ("date_type", "datetime_type"):
        if kind in ("date_past", "datetime_past"):
            message = f"{label} must be in the past"
        elif kind in ("date_future", "datetime_future"):
            message = f"{label} must be in the future"
        else:
            message = f"{label} must be a real date, like {DATE_EXAMPLE}"
    elif kind == "string_too_long":
        message = f"{label} must be {ctx.get('max_length')} characters or fewer"
    elif kind == "string_too_short":
        message = f"{label} must be {ctx.get('min_length')} characters or more"
    elif kind == "too_short" and choose:
        message = own.get(name) or f"Select {_lower_first(label)}"
    elif kind in ("enum", "literal_error", "uuid_parsing", "uuid_type", "uuid_version", "is_instance_of"):
        message = f"Select {_lower_first(label)} from the list"  # noqa: S608 (words for people, not SQL)
    elif kind in ("bool_parsing", "bool_type"):
        message = f"Select yes or no for {_lower_first(label)}"
    elif kind == "value_error" and str(error["msg"]).startswith("value is not a valid email address"):
        # email-validator's reason ("An email address must have an @-sign.") names no field.
        message = f"Enter {_lower_first(label)} in the correct format, like name@example.com"
    elif kind == "value_error":
        # A validator's own message, written for people (the pydantic prefix removed).
        message = str(ctx.get("error") or error["msg"]).removeprefix("Value error, ")
    elif kind == "extra_forbidden":
        message = f"{label} is not a field of this form"
    else:
        message = f"Enter {_lower_first(label)} in the right format"
    return FieldError(field, message)


def describe_all(
    exc: ValidationError,
    *,
    schema: type[BaseModel] | None = None,
    labels: Mapping[str, str] | None = None,
    values: Mapping[str, Any] | None = None,
    list_fields: tuple[str, ...] = (),
) -> list[FieldError]:
    """Every error of ``exc`` in people's words, one per field (the first pydantic reported)."""
    found: dict[str, FieldError] = {}
    for error in exc.errors(include_url=False):
        name = str(error["loc"][0]) if error["loc"] else "form"
        blank = values is not None and values.get(name) in (None, "", [])
        described = describe(error, schema=schema, labels=labels, blank=blank and _required(schema, name), choose=name in list_fields)
        found.setdefault(described.field, described)
    return list(found.values())


def _required(schema: type[BaseModel] | None, name: str) -> bool:
    field = _field(schema, name)
    return field is None or field.is_required()
