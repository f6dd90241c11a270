"""What a violation of each named constraint the bookings migrations create means to the user
(``shortbreaks.constraints``).

Most back a check the services make first (capacity, balances, one place per child and session,
no overlapping places); the entry says what a concurrent request that slips past the check gets,
the same error as the check. ``error=None``: a clash that :func:`bookings.services.common._with_retries`
answers by running the transaction again (a random reference taken twice, two grants racing to
create a child's allocation for the year, where the second tops the first up).
"""

from __future__ import annotations

from bookings.errors import AllocationInsufficient, AlreadyWaiting, DuplicateBooking, OverlappingBooking, SessionNotBookable
from shortbreaks.constraints import Constraint
from shortbreaks.errors import Conflict, ValidationFailed


def _already_done() -> Exception:
    return Conflict("That was done a moment ago by another request; reload the page to see it")


CONSTRAINTS = [
    Constraint("bookings_allocation_period", lambda: ValidationFailed.field("year", "An allowance year must end after it starts")),
    Constraint("bookings_booking_reference_key", None, table="bookings_booking", columns=("reference",)),
    Constraint(
        "bookings_booking_times",
        lambda: SessionNotBookable("This session's times are not valid", code="session_times"),
    ),
    Constraint(
        "bookings_bookingchild_no_overlap",
        lambda: OverlappingBooking("A child is already booked on a session at an overlapping time"),
    ),
    Constraint(
        "bookings_bookingchild_one_active_per_session",
        lambda: DuplicateBooking("A child is already booked on this session"),
        table="bookings_bookingchild",
        columns=("child_id", "session_id"),
    ),
    Constraint(
        "bookings_bookingchild_once_per_booking",
        lambda: ValidationFailed.field("child_ids", "Each child can be booked once"),
        table="bookings_bookingchild",
        columns=("booking_id", "child_id"),
    ),
    Constraint(
        "bookings_allocation_balance_not_negative",
        lambda: AllocationInsufficient("The allocation does not cover this booking"),
    ),
    Constraint("bookings_allocation_child_year", None, table="bookings_allocation", columns=("child_id", "year")),
    Constraint(
        "bookings_waitinglistentry_once_per_session",
        lambda: AlreadyWaiting("A child is already on this waiting list"),
        table="bookings_waitinglistentry",
        columns=("session_id", "child_id"),
    ),
    Constraint("bookings_careprofile_child_id_key", _already_done, table="bookings_careprofile", columns=("child_id",)),
    Constraint(
        "bookings_authoritysetting_local_authority_id_key",
        _already_done,
        table="bookings_authoritysetting",
        columns=("local_authority_id",),
    ),
]
