"""Create the constraints the models declare but no earlier migration made.

Tortoise's CreateModel records ``Meta.constraints`` without creating them; SQLite cannot add a
CHECK to an existing table, so there a CHECK becomes a pair of triggers with the same name.
``tests/core/test_schema_constraints.py`` checks that every declared constraint exists.
"""

from tortoise import migrations

from shortbreaks.migration_sql import dialect_sql

POSTGRES = [
        'ALTER TABLE bookings_allocation ADD CONSTRAINT bookings_allocation_child_year UNIQUE (child_id, year)',
        'ALTER TABLE bookings_allocation ADD CONSTRAINT bookings_allocation_balance_not_negative CHECK (balance_minutes >= 0 AND balance_pence >= 0)',
        'ALTER TABLE bookings_booking ADD CONSTRAINT bookings_booking_times CHECK (ends_at > starts_at AND minutes > 0)',
        'ALTER TABLE bookings_bookingchild ADD CONSTRAINT bookings_bookingchild_once_per_booking UNIQUE (booking_id, child_id)',
        'CREATE UNIQUE INDEX bookings_bookingchild_one_active_per_session ON bookings_bookingchild (child_id, session_id) WHERE active',
        "CREATE UNIQUE INDEX bookings_waitinglistentry_once_per_session ON bookings_waitinglistentry (session_id, child_id) WHERE status IN ('waiting', 'offered')",
    ]

SQLITE = [
        "CREATE TRIGGER bookings_booking_times_insert BEFORE INSERT ON bookings_booking WHEN NOT (NEW.ends_at > NEW.starts_at AND NEW.minutes > 0) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: bookings_booking_times'); END",
        "CREATE TRIGGER bookings_booking_times_update BEFORE UPDATE ON bookings_booking WHEN NOT (NEW.ends_at > NEW.starts_at AND NEW.minutes > 0) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: bookings_booking_times'); END",
    ]


class Migration(migrations.Migration):
    dependencies = [("bookings", "0002_booking_rules")]

    operations = [dialect_sql(postgres=POSTGRES, sqlite=SQLITE)]
