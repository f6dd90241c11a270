"""What the signed-in person already has to do with the sessions a lower package lists.

The provider directory lists services and sessions, but bookings and waiting lists live in a
package above it, which the directory must not import. So a package may provide
``marks.session_marks(principal, service_ids, *, now) -> Marks``: for those services' sessions
still to come, a short text per session ("Booked", "On the waiting list") and per service
("You have 1 booking coming up"). The app collects them at start-up (:func:`all_markers`) and
pages ask through :func:`marks_for`, which merges what every package said.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from shortbreaks.domains import DOMAIN_PACKAGES, optional_module
from shortbreaks.permissions import Principal


@dataclass
class Marks:
    sessions: dict[UUID, str] = field(default_factory=dict)
    services: dict[UUID, str] = field(default_factory=dict)


Marker = Callable[..., Awaitable[Marks]]


def all_markers() -> list[Marker]:
    """Every domain package's ``marks.session_marks``."""
    found = []
    for package in DOMAIN_PACKAGES:
        module = optional_module(package, "marks")
        if module is not None:
            found.append(module.session_marks)
    return found


async def marks_for(markers: Sequence[Marker], principal: Principal | None, service_ids: list[UUID], *, now: datetime) -> Marks:
    """The marks of every package for these services' coming sessions (none when signed out)."""
    merged = Marks()
    if principal is None or not service_ids:
        return merged
    for marker in markers:
        marks = await marker(principal, service_ids, now=now)
        merged.sessions.update(marks.sessions)
        merged.services.update(marks.services)
    return merged
