"""Rules the database keeps for bookings, whatever the code does.

- A child cannot hold active places on overlapping sessions: an exclusion constraint (btree_gist)
  on PostgreSQL, triggers on SQLite.
- On SQLite, Tortoise's schema editor skips ``Meta.constraints``, so the partial unique indexes
  are created here and the allocation balance CHECK becomes triggers.
"""

from tortoise import migrations

from shortbreaks.migration_sql import dialect_sql

_POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    "ALTER TABLE bookings_bookingchild ADD CONSTRAINT bookings_bookingchild_no_overlap"
    " EXCLUDE USING gist (child_id WITH =, tstzrange(starts_at, ends_at) WITH &&) WHERE (active)",
]
_REVERSE_POSTGRES = ["ALTER TABLE bookings_bookingchild DROP CONSTRAINT bookings_bookingchild_no_overlap"]

_OVERLAP_CONDITION = """
    NEW.active AND EXISTS (
        SELECT 1 FROM bookings_bookingchild AS other
        WHERE other.child_id = NEW.child_id AND other.active AND other.id != NEW.id
        AND other.starts_at < NEW.ends_at AND other.ends_at > NEW.starts_at
    )
"""
_SQLITE = [
    "CREATE UNIQUE INDEX bookings_bookingchild_once_per_booking ON bookings_bookingchild (booking_id, child_id)",
    "CREATE UNIQUE INDEX bookings_bookingchild_one_active_per_session ON bookings_bookingchild (child_id, session_id) WHERE active",
    "CREATE UNIQUE INDEX bookings_allocation_child_year ON bookings_allocation (child_id, year)",
    "CREATE UNIQUE INDEX bookings_waitinglistentry_once_per_session ON bookings_waitinglistentry (session_id, child_id)"
    " WHERE status IN ('waiting', 'offered')",
    f"""
    CREATE TRIGGER bookings_bookingchild_no_overlap_insert BEFORE INSERT ON bookings_bookingchild
    WHEN {_OVERLAP_CONDITION}
    BEGIN SELECT RAISE(ABORT, 'exclusion constraint failed: bookings_bookingchild_no_overlap'); END
    """,
    f"""
    CREATE TRIGGER bookings_bookingchild_no_overlap_update BEFORE UPDATE ON bookings_bookingchild
    WHEN {_OVERLAP_CONDITION}
    BEGIN SELECT RAISE(ABORT, 'exclusion constraint failed: bookings_bookingchild_no_overlap'); END
    """,
    """
    CREATE TRIGGER bookings_allocation_balance_insert BEFORE INSERT ON bookings_allocation
    WHEN NEW.balance_minutes < 0 OR NEW.balance_pence < 0
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: bookings_allocation_balance_not_negative'); END
    """,
    """
    CREATE TRIGGER bookings_allocation_balance_update BEFORE UPDATE ON bookings_allocation
    WHEN NEW.balance_minutes < 0 OR NEW.balance_pence < 0
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: bookings_allocation_balance_not_negative'); END
    """,
]
_REVERSE_SQLITE = [
    "DROP TRIGGER bookings_allocation_balance_update",
    "DROP TRIGGER bookings_allocation_balance_insert",
    "DROP TRIGGER bookings_bookingchild_no_overlap_update",
    "DROP TRIGGER bookings_bookingchild_no_overlap_insert",
    "DROP INDEX bookings_waitinglistentry_once_per_session",
    "DROP INDEX bookings_allocation_child_year",
    "DROP INDEX bookings_bookingchild_one_active_per_session",
    "DROP INDEX bookings_bookingchild_once_per_booking",
]


class Migration(migrations.Migration):
    dependencies = [("bookings", "0001_initial")]

    operations = [dialect_sql(postgres=_POSTGRES, sqlite=_SQLITE, reverse_postgres=_REVERSE_POSTGRES, reverse_sqlite=_REVERSE_SQLITE)]
