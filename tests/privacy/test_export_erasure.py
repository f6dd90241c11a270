"""Subject access export and erasure, driven by the registry; the audit log holds no personal data."""

from __future__ import annotations

from typing import Any

import pytest

from bookings import services
from bookings.models import Booking, CareProfile, Child
from shortbreaks import privacy
from shortbreaks.accounts.models import Organisation, User
from shortbreaks.errors import NotFound
from shortbreaks.models import AuditEvent, OutboxMessage
from tests.bookings.conftest import NOW, grant, make_child, make_family, make_service, make_session
from tests.factories import make_organisation

MEDICAL = "Epilepsy: buccal midazolam in the blue bag"
DIETARY = "Severe peanut allergy"


async def family_with_history() -> tuple[User, Child, Child, Booking]:
    authority: Organisation = await make_organisation()
    family = await make_family(authority, name="Priya Testshah")
    child = await make_child(family, first_name="Aarav", care={"medical": MEDICAL, "dietary": DIETARY})
    sibling = await make_child(family, first_name="Meera", care={"dietary": "Vegetarian"})
    await grant(child, minutes=600)
    session = await make_session(await make_service(), hours=2)
    booking = await services.create_booking(family, session_id=session.id, child_ids=[child.id], now=NOW)
    return family, child, sibling, booking


def personal_values(family: User, *children: Child) -> list[str]:
    values = [family.email, family.display_name, MEDICAL, DIETARY, "Vegetarian"]
    for child in children:
        values += [child.first_name, child.name]
    return values


async def test_export_of_a_family_covers_every_registered_table_with_rows(app: Any) -> None:
    family, _child, _sibling, booking = await family_with_history()
    export = await privacy.export_subject(family)
    assert export["core_user"][0]["email"] == family.email
    assert {c["first_name"] for c in export["bookings_child"]} == {"Aarav", "Meera"}
    assert {p["medical"] for p in export["bookings_careprofile"]} == {MEDICAL, ""}
    assert [b["reference"] for b in export["bookings_booking"]] == [booking.reference]
    assert len(export["bookings_allocation"]) == 1 and len(export["bookings_allocationentry"]) == 2  # grant and debit
    assert any(booking.reference in m["body"] for m in export["core_outboxmessage"])
    for model, entry in privacy.load().items():
        if entry.export:
            assert model._meta.db_table in export


async def test_export_of_one_child_holds_that_child_only(app: Any) -> None:
    family, child, _sibling, _ = await family_with_history()
    export = await privacy.export_subject(family, child_id=child.id)
    assert [c["first_name"] for c in export["bookings_child"]] == ["Aarav"]
    assert "Meera" not in str(export) and "Vegetarian" not in str(export)
    assert "core_user" not in export  # the account is the family's, not the child's
    other = await make_family(await make_organisation())
    with pytest.raises(NotFound):
        await privacy.export_subject(other, child_id=child.id)


async def test_erasure_removes_personal_data_everywhere_and_keeps_the_audit_trail(app: Any) -> None:
    family, child, sibling, booking = await family_with_history()
    await services.cancel_booking(booking, actor=family, now=NOW)
    secrets = personal_values(family, child, sibling)
    audit_before = await AuditEvent.all().count()

    await services.erase_family(family, now=NOW)

    for model, entry in privacy.load().items():
        rows = await model.filter(**{entry.family: family.email if entry.by_email else family.id}).values()
        if entry.erasure is privacy.Erasure.DELETE:
            assert rows == [], model
        text = str(await model.all().values(*entry.personal_fields)) if entry.personal_fields else ""
        for value in secrets:
            assert value not in text, (model, value)
    assert not await CareProfile.filter(child_id__in=[child.id, sibling.id]).exists()
    assert await OutboxMessage.filter(to_email=family.email).count() == 0
    assert (await Booking.get(id=booking.id)).reference == booking.reference, "bookings stay for the figures"
    # The audit trail is intact (append-only: nothing removed) and names no one.
    assert await AuditEvent.all().count() == audit_before + 2  # family erased, user anonymised
    assert await AuditEvent.filter(action="bookings.family.erased").exists()


async def test_the_audit_log_holds_no_names_emails_or_care_details(app: Any) -> None:
    family, child, sibling, booking = await family_with_history()
    await services.cancel_booking(booking, actor=family, now=NOW)
    rows = await AuditEvent.all().values("actor_label", "before", "after", "record_id", "action")
    assert rows
    text = str(rows)
    for value in [*personal_values(family, child, sibling), "Shah"]:
        assert value not in text, value
