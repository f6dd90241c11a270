"""Errors the provider directory raises (all :class:`shortbreaks.errors.DomainError`).

- ``UnknownPostcode`` (422, ``unknown_postcode``): malformed, or not in the centroid data.
- ``InvalidRule`` (422, ``invalid_rule``): an RRULE we cannot parse or will not run
  (only FREQ=DAILY, WEEKLY or MONTHLY; see :func:`providers.recurrence.parse_rrule`).
- ``OverlappingClosure`` (422, ``overlapping_closure``): a closure overlapping another of the service.
- ``BookedSessionsAffected`` (409, ``booked_sessions_affected``): a change would remove or
  move sessions that have bookings; the message lists them and ``sessions`` holds them.
- ``ProviderNotPublishable`` (409, ``provider_not_publishable``): a status change not allowed from the current status.
- ``SessionFull`` (409, ``session_full``): not enough places left on a session (what the places
  CHECK ``providers_session_places_taken`` means); the family may join the waiting list.
"""

from __future__ import annotations

from typing import Any

from shortbreaks.errors import Conflict, FieldError, ValidationFailed


class UnknownPostcode(ValidationFailed):
    code = "unknown_postcode"
    title = "We could not find that postcode"

    @classmethod
    def for_field(cls, field: str, message: str) -> UnknownPostcode:
        return cls(message, errors=[FieldError(field, message)])


class InvalidRule(ValidationFailed):
    code = "invalid_rule"
    title = "The repeat rule is not valid"


class OverlappingClosure(ValidationFailed):
    code = "overlapping_closure"
    title = "The closure overlaps another closure"


class BookedSessionsAffected(Conflict):
    code = "booked_sessions_affected"
    title = "Sessions with bookings would be removed or moved"

    def __init__(self, message: str, *, sessions: list[Any]) -> None:
        super().__init__(message)
        self.sessions = sessions


class ProviderNotPublishable(Conflict):
    code = "provider_not_publishable"
    title = "The provider's status cannot change that way"


class SessionFull(Conflict):
    code = "session_full"
    title = "This session is full"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or "There are not enough places left on this session. You can join the waiting list.")
