"""What a violation of each named constraint the providers migrations create means to the user
(``shortbreaks.constraints``; the constraints are made in ``migrations/0002``, ``0003`` and ``0004``).

The schemas and services check all of these first; an entry says what a write that slips past
the check gets (a concurrent request, or a caller outside the schemas). Capacity is the one the
database decides under load: a booking that finds the places gone while it runs gets
``SessionFull``, as the conditional update in :func:`providers.services.take_places` would say.
"""

from __future__ import annotations

from providers.errors import SessionFull
from shortbreaks.constraints import Constraint
from shortbreaks.errors import Conflict, ValidationFailed


def _already_done() -> Exception:
    return Conflict("That was done a moment ago by another request; reload the page to see it")


CONSTRAINTS = [
    Constraint(
        "providers_provider_one_per_organisation",
        lambda: ValidationFailed.field("organisation_id", "This organisation already has a provider profile"),
        table="providers_provider",
        columns=("organisation_id",),
    ),
    Constraint(
        "providers_service_ages",
        lambda: ValidationFailed.field("max_age", "The oldest age must be the same as or more than the youngest age"),
    ),
    Constraint("providers_service_price", lambda: ValidationFailed.field("price_pence", "The price cannot be less than £0")),
    Constraint(
        "providers_service_refund_percent",
        lambda: ValidationFailed.field("late_cancellation_refund_percent", "Enter a percentage from 0 to 100"),
    ),
    Constraint(
        "providers_availabilityrule_positive",
        lambda: ValidationFailed.field("staff_count", "A session needs a length and at least one member of staff"),
    ),
    Constraint("providers_closure_dates", lambda: ValidationFailed.field("ends_on", "The last day must be on or after the first day")),
    # Two materialisations of one service at once: the second finds the session made; run it again.
    Constraint("providers_session_rule_start", None, table="providers_session", columns=("rule_id", "starts_at")),
    Constraint(
        "providers_session_capacity_positive",
        lambda: Conflict("A session needs at least one place: check the staff on shift or the group size"),
    ),
    Constraint("providers_session_places_taken", lambda: SessionFull()),
    Constraint("providers_session_times", lambda: ValidationFailed.field("duration_minutes", "A session must end after it starts")),
    # Two officers saving their council's first choice about reviewing new services at once.
    Constraint(
        "providers_authoritysetting_local_authority_id_key",
        _already_done,
        table="providers_authoritysetting",
        columns=("local_authority_id",),
    ),
]
