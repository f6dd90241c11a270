"""Bookings use cases: children, allocations, bookings, waiting lists, held bookings, erasure.

Each public function owns its transaction, takes ``now``, writes one audit record per change and
sends email through the outbox (written in the transaction, delivery enqueued after commit); the
exceptions, which run inside a caller's transaction, take its connection as ``conn`` and say so
(:mod:`~bookings.services.holds`). One module per use case:

- :mod:`~bookings.services.children`: children and their care profiles
- :mod:`~bookings.services.allocations`: the allocation ledger (grant, adjust; debit and credit)
- :mod:`~bookings.services.booking`: booking places
- :mod:`~bookings.services.lifecycle`: confirm, decline, cancel, attendance, session cancelled, reminders
- :mod:`~bookings.services.waiting_list`: join, offers, accept, leave, expiry, priority
- :mod:`~bookings.services.holds`: bookings held for an online payment (used by ``bookings.payments``)
- :mod:`~bookings.services.erasure`: a family's erasure request
- :mod:`~bookings.services.rules` and :mod:`~bookings.services.common`: the small rules, and the
  transaction retry and reads the use cases share

Everything public is re-exported here, so callers write ``services.create_booking(...)``.
"""

from __future__ import annotations

from bookings.services.allocations import AllowanceTerms, adjust_allocation, financial_year_terms, grant_allocation
from bookings.services.booking import (
    PlanItem,
    book_places,
    create_booking,
    family_pays,
    fund_place,
    payment_due,
    plan_funding,
    read_allocations,
)
from bookings.services.children import CARE_FIELDS, create_child, remove_child, update_child
from bookings.services.common import MAX_ATTEMPTS
from bookings.services.erasure import erase_family
from bookings.services.holds import mark_paid, reclaim_released, release_hold
from bookings.services.lifecycle import (
    REMINDER_BEFORE,
    cancel_booking,
    cancel_session,
    confirm_booking,
    decline_booking,
    record_attendance,
    send_due_reminders,
)
from bookings.services.rules import (
    REFERENCE_ALPHABET,
    age_on,
    cancellation_deadline,
    check_bookable,
    covers,
    financial_year,
    holds,
    kind_label,
    needs_allocation,
    new_reference,
    opens_at,
    outside_age_range,
    period_text,
    pick_allocation,
    session_minutes,
)
from bookings.services.waiting_list import (
    accept_offer,
    expire_offer,
    expire_overdue_offers,
    join_waiting_list,
    leave_waiting_list,
    offer_free_places,
    set_waiting_priority,
)

__all__ = [
    "CARE_FIELDS",
    "MAX_ATTEMPTS",
    "REFERENCE_ALPHABET",
    "REMINDER_BEFORE",
    "AllowanceTerms",
    "PlanItem",
    "accept_offer",
    "adjust_allocation",
    "age_on",
    "book_places",
    "cancel_booking",
    "cancel_session",
    "cancellation_deadline",
    "check_bookable",
    "confirm_booking",
    "covers",
    "create_booking",
    "create_child",
    "decline_booking",
    "erase_family",
    "expire_offer",
    "expire_overdue_offers",
    "family_pays",
    "financial_year",
    "financial_year_terms",
    "fund_place",
    "grant_allocation",
    "holds",
    "join_waiting_list",
    "kind_label",
    "leave_waiting_list",
    "mark_paid",
    "needs_allocation",
    "new_reference",
    "offer_free_places",
    "opens_at",
    "outside_age_range",
    "payment_due",
    "period_text",
    "pick_allocation",
    "plan_funding",
    "read_allocations",
    "reclaim_released",
    "record_attendance",
    "release_hold",
    "remove_child",
    "send_due_reminders",
    "session_minutes",
    "set_waiting_priority",
    "update_child",
]
