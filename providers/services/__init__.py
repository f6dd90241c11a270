"""Provider directory use cases: the only code that changes the directory's tables.

Every public function owns its transaction, re-checks the actor's permission for writes, and
writes one audit record. ``actor`` is a :class:`shortbreaks.permissions.Principal`, or
``None`` for the system (jobs, the demo loader). By use case:

- :mod:`~providers.services.profile`: provider profiles and their approval (publish, suspend);
- :mod:`~providers.services.service`: the services a provider offers;
- :mod:`~providers.services.availability`: availability rules and closures;
- :mod:`~providers.services.sessions`: materialising sessions from the rules;
- :mod:`~providers.services.places`: places in sessions, for the bookings package;
- :mod:`~providers.services.common`: what they share (``merge``, the permission re-check).

Sessions are materialised from availability rules for a rolling horizon
(:data:`HORIZON`, 16 weeks) at once when a rule, closure or capacity changes, and daily
by the ``materialise_sessions`` cron job. Materialising twice changes nothing: sessions
are keyed by (rule, start). A session with bookings (``places_taken > 0``) is never
deleted or moved: a change that would do so is refused with
:class:`providers.errors.BookedSessionsAffected`, listing the sessions. The ``_``-prefixed
helpers (``_materialise``, ``_remove_sessions``) are shared inside this package only and run
in the caller's transaction, on the connection they are given.

For the bookings package (which must never write these tables itself), each run inside the
caller's transaction on the connection passed as ``using_db``:

- ``await take_places(session_id, count, using_db=conn) -> bool``: one conditional UPDATE
  (``places_taken + count <= capacity``, scheduled, not blocked); True when the places were
  taken. Call it first inside your own transaction and pass its connection.
- ``await release_places(session_id, count, using_db=conn) -> bool``: gives places back;
  never takes ``places_taken`` below 0.
- ``providers.queries.get_session_for_booking(session_id)`` loads a session with its
  service and provider.
- ``await mark_session_cancelled(session_id, using_db=conn, now=now) -> bool``: the provider cancels a
  scheduled session (bookings cancels its bookings in the same transaction); given ``now``,
  calendar feeds see when it changed.
- ``await set_sessions_blocked(session_ids, blocked=..., using_db=conn) -> list[UUID]``: block or
  unblock sessions for new bookings (a provider's imported busy times); returns the sessions
  whose flag changed. Existing bookings are untouched.

The database backs both with ``CHECK (places_taken BETWEEN 0 AND capacity)``.
"""

from providers.services.availability import (
    create_closure,
    create_rule,
    delete_closure,
    delete_rule,
    preview_rule,
    rule_from_form,
    update_rule,
)
from providers.services.common import merge
from providers.services.places import mark_session_cancelled, release_places, set_sessions_blocked, take_places
from providers.services.profile import (
    create_provider,
    provider_input,
    provider_values,
    publish_provider,
    submit_provider_for_review,
    suspend_provider,
    update_provider,
)
from providers.services.service import (
    approve_service,
    create_service,
    service_input,
    service_values,
    set_review_new_services,
    update_service,
)
from providers.services.sessions import HORIZON, MaterialiseResult, describe_session, materialise_all, materialise_service

__all__ = [
    "HORIZON",
    "MaterialiseResult",
    "approve_service",
    "create_closure",
    "create_provider",
    "create_rule",
    "create_service",
    "delete_closure",
    "delete_rule",
    "describe_session",
    "mark_session_cancelled",
    "materialise_all",
    "materialise_service",
    "merge",
    "preview_rule",
    "provider_input",
    "provider_values",
    "publish_provider",
    "release_places",
    "rule_from_form",
    "service_input",
    "service_values",
    "set_review_new_services",
    "set_sessions_blocked",
    "submit_provider_for_review",
    "suspend_provider",
    "take_places",
    "update_provider",
    "update_rule",
    "update_service",
]
