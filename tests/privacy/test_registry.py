"""The privacy registry covers every model that looks like it holds personal data."""

from __future__ import annotations

import re
import uuid

from tortoise import Tortoise
from tortoise.fields.relational import ForeignKeyFieldInstance, OneToOneFieldInstance

from shortbreaks import privacy

PERSONAL_LOOKING = re.compile(
    r"(first_name|last_name|display_name|full_name|email|date_of_birth|dob|phone|address|postcode|note|medical|dietary"
    r"|care|communication|behaviour|emergency|needs|allerg|health|diagnos)"
)
PEOPLE = {"User", "Child"}


def suspects() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for app in Tortoise.apps.values():
        for model in app.values():
            reasons = [f for f in model._meta.fields_map if PERSONAL_LOOKING.search(f)]
            for name, fo in model._meta.fields_map.items():
                if isinstance(fo, (ForeignKeyFieldInstance, OneToOneFieldInstance)) and fo.related_model.__name__ in PEOPLE:
                    reasons.append(f"{name} -> {fo.related_model.__name__}")
            if reasons:
                found[f"{model.__module__}.{model.__name__}"] = reasons
    return found


async def test_every_model_with_personal_looking_fields_is_registered_or_marked_not_personal() -> None:
    registry = privacy.load()
    known = {f"{m.__module__}.{m.__name__}" for m in [*registry, *privacy.NOT_PERSONAL]}
    missing = {name: why for name, why in suspects().items() if name not in known}
    assert not missing, f"add these to the privacy registry (or mark_not_personal with a reason): {missing}"
    assert all(reason.strip() for reason in privacy.NOT_PERSONAL.values())
    assert not set(registry) & set(privacy.NOT_PERSONAL)


async def test_the_required_tables_are_registered() -> None:
    tables = {m._meta.db_table for m in privacy.load()}
    assert {
        "bookings_child",
        "bookings_careprofile",
        "bookings_booking",
        "bookings_waitinglistentry",
        "bookings_allocation",
        "core_user",
        "core_membership",
        "core_websession",
        "core_apitoken",
        "core_outboxmessage",
        "core_invitation",
    } <= tables
    assert "core_loginattempt" in {m._meta.db_table for m in privacy.NOT_PERSONAL}


async def test_every_entry_names_real_fields_and_a_working_path() -> None:
    for model, entry in privacy.load().items():
        assert set(entry.export) <= set(model._meta.fields_map), model
        assert set(entry.personal_fields) <= set(model._meta.fields_map), model
        assert entry.why
        value = "nobody@example.com" if entry.by_email else uuid.uuid4()
        assert await model.filter(**{entry.family: value}).count() == 0  # the path resolves
        if entry.child:
            assert await model.filter(**{entry.child: uuid.uuid4()}).count() == 0
