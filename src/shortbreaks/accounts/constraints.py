"""The core's named constraints (``shortbreaks.constraints``): what a violation means to the user.

Most of these back a check the service makes first; the entry says what a concurrent request
that slips past that check gets.
"""

from __future__ import annotations

from shortbreaks.accounts.errors import EmailTaken
from shortbreaks.constraints import Constraint
from shortbreaks.errors import Conflict, ValidationFailed


def _already_done() -> Exception:
    return Conflict("That was done a moment ago by another request; reload the page to see it")


CONSTRAINTS = [
    Constraint("core_user_email_key", lambda: EmailTaken(errors=[]), table="core_user", columns=("email",)),
    Constraint("core_user_email_lower", lambda: ValidationFailed.field("email", "Enter the email address in lower case")),
    Constraint("core_membership_unique", _already_done, table="core_membership", columns=("user_id", "organisation_id", "role")),
    Constraint(
        "core_organisation_identifier_key",
        lambda: Conflict("An organisation with that identifier already exists"),
        table="core_organisation",
        columns=("identifier",),
    ),
    # Random tokens and job ids: a clash is a coincidence or a concurrent duplicate; run it again.
    Constraint("core_apitoken_token_hash_key", None, table="core_apitoken", columns=("token_hash",)),
    Constraint("core_invitation_token_hash_key", None, table="core_invitation", columns=("token_hash",)),
    Constraint("core_passwordreset_token_hash_key", None, table="core_passwordreset", columns=("token_hash",)),
    Constraint("core_outboxmessage_dedupe_key_key", _already_done, table="core_outboxmessage", columns=("dedupe_key",)),
    Constraint("core_joboutbox_job_id_key", _already_done, table="core_joboutbox", columns=("job_id",)),
]
