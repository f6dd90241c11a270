"""What a violation of each named constraint the feeds migrations create means
(``shortbreaks.constraints``)."""

from __future__ import annotations

from shortbreaks.constraints import Constraint
from shortbreaks.errors import Conflict, ValidationFailed


def _already_done() -> Exception:
    return Conflict("That was done a moment ago by another request; reload the page to see it")


CONSTRAINTS = [
    # A random token taken twice: run it again with another.
    Constraint("feeds_feedtoken_token_hash_key", None, table="feeds_feedtoken", columns=("token_hash",)),
    Constraint("feeds_feedtoken_one_owner", lambda: ValidationFailed("A calendar feed belongs to one family or one provider")),
    Constraint("feeds_calendarimport_provider_id_key", _already_done, table="feeds_calendarimport", columns=("provider_id",)),
    Constraint("feeds_importblock_once", _already_done, table="feeds_importblock", columns=("calendar_import_id", "session_id")),
]
