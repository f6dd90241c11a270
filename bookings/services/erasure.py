"""Erasing a family's personal data on request (the export is ``bookings.queries.export_family_data``)."""

from __future__ import annotations

from datetime import datetime

from tortoise.transactions import in_transaction

from bookings.enums import ACTIVE_STATUSES, ACTIVE_WAITING_STATUSES, WaitingStatus
from bookings.models import Booking, CareProfile, Child, WaitingListEntry
from shortbreaks import audit, privacy
from shortbreaks.accounts import services as account_services
from shortbreaks.accounts.models import User
from shortbreaks.errors import Conflict


async def erase_family(family: User, *, now: datetime) -> None:
    """Erase a family's personal data on request: children anonymised, care profiles deleted,
    waiting lists left, the account anonymised. Bookings, ledgers and the audit log stay (without
    personal data) for the figures. Refused while a booking is still requested or confirmed.
    """
    if await Booking.filter(family_id=family.id, status__in=list(ACTIVE_STATUSES)).exists():
        raise Conflict("Cancel your upcoming bookings before asking us to delete your account", code="active_bookings")
    async with in_transaction() as conn:
        child_ids = await Child.filter(family_id=family.id).using_db(conn).values_list("id", flat=True)
        await CareProfile.filter(child_id__in=list(child_ids)).using_db(conn).delete()
        # What the privacy registry says erasure deletes (sent emails, invitations, recovery codes)
        # or revokes (calendar feeds, sessions, API tokens).
        files: dict[str, list[str]] = {}
        await privacy.erase_registered(family, now=now, using_db=conn, files=files)
        await (
            Child.filter(family_id=family.id)
            .using_db(conn)
            .update(first_name="Erased", last_name="", date_of_birth=None, needs=[], erased_at=now)
        )
        await (
            WaitingListEntry.filter(family_id=family.id, status__in=list(ACTIVE_WAITING_STATUSES))
            .using_db(conn)
            .update(status=WaitingStatus.WITHDRAWN)
        )
        await audit.record(
            "bookings.family.erased",
            actor=family,
            record_type="user",
            record_id=family.id,
            now=now,
            after={"children": len(child_ids)},
            using_db=conn,
        )
    await account_services.anonymise_user(family, now=now)
    await privacy.remove_erased_files(files)  # files kept outside the database (evidence), once the rows are gone
