"""SQLite's no-overlap triggers report the constraint the way every other trigger does.

``shortbreaks.constraints`` finds a violated constraint in SQLite's message by the form
``CHECK constraint failed: <name>`` (SQLite's own form for a CHECK, used by our CHECK triggers).
The no-overlap triggers of ``0002_booking_rules`` said ``exclusion constraint failed: …``, so
their violations named no registered constraint; they are recreated with the common form.
PostgreSQL's exclusion constraint is named by the driver and is unchanged.
"""

from tortoise import migrations

from shortbreaks.migration_sql import dialect_sql

_OVERLAP_CONDITION = """
    NEW.active AND EXISTS (
        SELECT 1 FROM bookings_bookingchild AS other
        WHERE other.child_id = NEW.child_id AND other.active AND other.id != NEW.id
        AND other.starts_at < NEW.ends_at AND other.ends_at > NEW.starts_at
    )
"""


def _triggers(message: str) -> list[str]:
    return [
        "DROP TRIGGER bookings_bookingchild_no_overlap_insert",
        "DROP TRIGGER bookings_bookingchild_no_overlap_update",
        f"""
        CREATE TRIGGER bookings_bookingchild_no_overlap_insert BEFORE INSERT ON bookings_bookingchild
        WHEN {_OVERLAP_CONDITION}
        BEGIN SELECT RAISE(ABORT, '{message}: bookings_bookingchild_no_overlap'); END
        """,
        f"""
        CREATE TRIGGER bookings_bookingchild_no_overlap_update BEFORE UPDATE ON bookings_bookingchild
        WHEN {_OVERLAP_CONDITION}
        BEGIN SELECT RAISE(ABORT, '{message}: bookings_bookingchild_no_overlap'); END
        """,
    ]


class Migration(migrations.Migration):
    dependencies = [("bookings", "0004_booking_held_released")]

    operations = [
        dialect_sql(
            postgres=[],
            sqlite=_triggers("CHECK constraint failed"),
            reverse_sqlite=_triggers("exclusion constraint failed"),
        )
    ]
