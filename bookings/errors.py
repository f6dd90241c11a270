"""Errors the bookings services raise on purpose (all :class:`shortbreaks.errors.DomainError`).

- ``SessionFull`` (409 ``session_full``): no places left; the family may join the waiting list. It is
  :class:`providers.errors.SessionFull` (places are the providers package's), re-exported here.
- ``SessionNotBookable`` (409 ``session_past`` / ``session_cancelled`` / ``session_not_open``).
- ``DuplicateBooking`` (409 ``duplicate_booking``): the child already holds a place on the session.
- ``OverlappingBooking`` (409 ``overlapping_booking``): the child holds a place on an overlapping session.
- ``AllocationInsufficient`` (409 ``allocation_insufficient``): the balance does not cover the booking.
- ``InvalidTransition`` (409 ``invalid_status``, or ``already_cancelled``): the booking is not in a state
  that allows the change.
- ``OfferExpired`` (409 ``offer_expired``): the waiting-list offer is no longer open.
- ``AlreadyWaiting`` (409 ``already_waiting``) and ``SessionHasPlaces`` (409 ``session_has_places``).
- ``OutsideAgeRange`` (422 ``outside_age_range``).
- ``AllocationRequired`` (422 ``allocation_required``): the service is for children with a council
  short breaks allocation (a targeted or specialist service), and the child has none for the
  session's allowance year, or the family asked to pay.
- ``AllocationNotForService`` (422 ``allocation_not_for_service``): the child's allocation pays only
  for the kinds of break its tier lists, and this service is not one of them.
- ``ChildHasBookings`` (409 ``child_has_bookings``): a child with bookings still to come cannot be
  taken off the family's account; the family cancels those bookings first.
"""

from __future__ import annotations

from providers.errors import SessionFull as SessionFull  # re-exported: bookings raise it too
from shortbreaks.errors import Conflict, ValidationFailed


class SessionNotBookable(Conflict):
    code = "session_not_bookable"
    title = "This session cannot be booked"


class DuplicateBooking(Conflict):
    code = "duplicate_booking"
    title = "Already booked"


class OverlappingBooking(Conflict):
    code = "overlapping_booking"
    title = "Already booked at that time"


class AllocationInsufficient(Conflict):
    code = "allocation_insufficient"
    title = "Not enough allocation left"


class InvalidTransition(Conflict):
    code = "invalid_status"
    title = "The booking cannot be changed that way"


class OfferExpired(Conflict):
    code = "offer_expired"
    title = "This offer has expired"


class AlreadyWaiting(Conflict):
    code = "already_waiting"
    title = "Already on the waiting list"


class SessionHasPlaces(Conflict):
    code = "session_has_places"
    title = "This session has places"


class OutsideAgeRange(ValidationFailed):
    code = "outside_age_range"
    title = "Outside the service's age range"


class ChildHasBookings(Conflict):
    code = "child_has_bookings"
    title = "This child has bookings still to come"


class AllocationRequired(ValidationFailed):
    code = "allocation_required"
    title = "This service needs a short breaks allocation"


class AllocationNotForService(ValidationFailed):
    code = "allocation_not_for_service"
    title = "The allocation does not pay for this service"
