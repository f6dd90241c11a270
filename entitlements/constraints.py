"""The entitlements package's named constraints (``shortbreaks.constraints``): what a violation means to the user.

Every one backs a rule the services check first (a tier's way to apply, amounts, one draft at a
time, version numbers given under a lock on the council's profile), so a violation means a write
that skipped the service or a concurrent request that slipped past it.
"""

from __future__ import annotations

from entitlements.errors import DraftExists
from shortbreaks.constraints import Constraint
from shortbreaks.errors import Conflict, ValidationFailed


def _already_done() -> Exception:
    return Conflict("That was done a moment ago by another request; reload the page to see it")


CONSTRAINTS = [
    Constraint(
        "entitlements_councilprofile_slug_key",
        lambda: ValidationFailed.field("slug", "Another council already uses that web address"),
        table="entitlements_councilprofile",
        columns=("slug",),
    ),
    Constraint(
        "entitlements_councilprofile_local_authority_id_key",
        _already_done,
        table="entitlements_councilprofile",
        columns=("local_authority_id",),
    ),
    Constraint(
        "entitlements_councilprofile_year_start",
        lambda: ValidationFailed.field("allowance_year_start_day", "Enter a real day of the year"),
    ),
    # Numbers are given under a lock on the council's profile: a clash is a race; run it again.
    Constraint("entitlements_statement_number_unique", None, table="entitlements_statement", columns=("council_id", "number")),
    Constraint("entitlements_statement_one_open", DraftExists, table="entitlements_statement", columns=("council_id", "status")),
    Constraint("entitlements_statement_number_positive", _already_done),
    Constraint("entitlements_statement_published_at", _already_done),
    Constraint(
        "entitlements_tier_code_unique",
        lambda: ValidationFailed.field("code", "Another tier in this version has that code"),
        table="entitlements_tier",
        columns=("statement_id", "code"),
    ),
    Constraint(
        "entitlements_tier_how_to_apply",
        lambda: ValidationFailed.field("how_to_apply", "Say how a family applies for this tier"),
    ),
    Constraint(
        "entitlements_tier_amounts",
        lambda: ValidationFailed.field("hours_per_year", "Hours and amounts must be more than zero"),
    ),
    Constraint(
        "entitlements_councilprofile_targets",
        lambda: ValidationFailed.field("decision_target_days", "Targets must be at least 1 working day, and notice 1 to 26 weeks"),
    ),
    # One open application per child and tier: a second submit or another tab finds the first.
    Constraint(
        "entitlements_application_one_open",
        lambda: Conflict("This child already has an application for this tier"),
        table="entitlements_application",
        columns=("child_id", "tier_code"),
    ),
    # References are random: a clash is run again.
    Constraint("entitlements_application_reference_key", None, table="entitlements_application", columns=("reference",)),
    Constraint("entitlements_application_submitted", _already_done),
    Constraint("entitlements_application_approved", _already_done),
    Constraint("entitlements_application_refused", _already_done),
    Constraint("entitlements_application_paused", _already_done),
    Constraint("entitlements_evidence_size", lambda: ValidationFailed.field("file", "The selected file is empty")),
    Constraint("entitlements_evidence_storage_key_key", None, table="entitlements_evidence", columns=("storage_key",)),
    Constraint(
        "entitlements_review_one_open",
        lambda: Conflict("A review of this decision has already been asked for"),
        table="entitlements_review",
        columns=("application_id",),
    ),
    Constraint(
        "entitlements_review_other_officer",
        lambda: ValidationFailed.field("reviewer_id", "A review must be decided by a different officer from the one who made the decision"),
    ),
    Constraint("entitlements_review_decided", _already_done),
    Constraint(
        "entitlements_agreedpackage_dates", lambda: ValidationFailed.field("ends_on", "The end date must be on or after the start date")
    ),
    Constraint(
        "entitlements_packageamount_once_a_day",
        lambda: Conflict("The package already changes on that date; change that variation instead"),
        table="entitlements_packageamount",
        columns=("package_id", "effective_from"),
    ),
    Constraint("entitlements_packageamount_positive", lambda: ValidationFailed.field("amount", "Enter an amount more than zero")),
    Constraint(
        "entitlements_councilprofile_shortfall",
        lambda: ValidationFailed.field(
            "shortfall_percent", "The percentage must be 1 to 100, the weeks 1 to 52 and the working days 1 to 60"
        ),
    ),
    # The nightly job and an officer racing: the case is already open (the job skips it).
    Constraint(
        "entitlements_shortfallcase_one_open",
        lambda: Conflict("This package already has an open shortfall case"),
        table="entitlements_shortfallcase",
        columns=("package_id",),
    ),
    Constraint("entitlements_shortfallcase_closed", _already_done),
    Constraint("entitlements_shortfallcase_escalated", _already_done),
    Constraint("entitlements_shortfallevent_action", lambda: ValidationFailed.field("action", "Select what was done")),
    # One row per council: two refreshes of a council at once clash here; run it again.
    Constraint("entitlements_sufficiencyrefresh_council_id_key", None, table="entitlements_sufficiencyrefresh", columns=("council_id",)),
]
