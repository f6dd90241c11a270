"""Entitlements in the core's privacy registry.

The statement is a council's public information and the eligibility checker keeps no answers at all
(see :mod:`entitlements.pages`), so neither has personal data. Applications do: the family's
answers, their evidence files, what officers asked and decided, and reviews. The council keeps the
record of a decision (its reference, tier, dates, outcome and allocation) after a family's account
is erased, with the family's words and files removed.
"""

from __future__ import annotations

from typing import Any

from entitlements.models import (
    AgreedPackage,
    Application,
    ApplicationEvent,
    CouncilProfile,
    Evidence,
    PackageAmount,
    Question,
    Review,
    Statement,
    SufficiencyItem,
    SufficiencyMonth,
    SufficiencyPackage,
    SufficiencyRefresh,
    Tier,
)
from shortbreaks.privacy import Erasure, PersonalData, mark_not_personal, register

mark_not_personal(CouncilProfile, "a council's web address, allowance year and the postcode districts of its whole area, not a person's")
mark_not_personal(
    Statement,
    "a council's published statement: its public contact email and phone, and the ids of the officers who wrote and published it "
    "(staff accounts, set to null if one is deleted); local_needs is about carers in general, never one family",
)
mark_not_personal(Tier, "a council's offer: criteria and needs it is for, not a child's")
mark_not_personal(Question, "a question a council asks every applicant for a tier, not anyone's answer")

register(
    PersonalData(
        Application,
        family="family_id",
        child="child_id",
        export=(
            "reference",
            "tier_code",
            "status",
            "answers",
            "submitted_at",
            "info_request",
            "decided_at",
            "approved_minutes",
            "approved_pence",
            "decision_reason",
            "refusal_reason",
            "created_at",
        ),
        erasure=Erasure.ANONYMISE,
        why="the council's record of an application and its decision; the family's answers and the words about them are removed",
        personal_fields=("answers", "info_request", "decision_reason"),
    )
)
register(
    PersonalData(
        ApplicationEvent,
        family="application__family_id",
        export=("application_id", "kind", "detail", "at"),
        erasure=Erasure.ANONYMISE,
        why="the application's history (who did what, when) stays with the council's record; its words are removed",
        personal_fields=("detail",),
    )
)
register(
    PersonalData(
        Evidence,
        family="application__family_id",
        export=("application_id", "filename", "content_type", "size_bytes", "created_at"),
        erasure=Erasure.DELETE,
        why="letters and reports about the child; deleted (the rows and the stored files)",
        personal_fields=("filename",),
        stored_files=("storage_key", "delete_evidence_files"),
    )
)
register(
    PersonalData(
        Review,
        family="application__family_id",
        export=("application_id", "grounds", "requested_at", "status", "outcome", "decided_at"),
        erasure=Erasure.ANONYMISE,
        why="a review and its outcome stay with the council's record; the family's grounds and the reviewer's words are removed",
        personal_fields=("grounds", "outcome"),
    )
)


async def delete_evidence_files(ctx: dict[str, Any], *, keys: list[str]) -> int:
    """Remove erased evidence files from storage (enqueued after the erasure commits).

    A key still held by an evidence row is left alone: a file is removed only once no row points
    at it, so a job that somehow ran for a rolled-back erasure removes nothing. Returns the files removed.
    """
    from entitlements.storage import storage_from_settings

    held = set(await Evidence.filter(storage_key__in=keys).values_list("storage_key", flat=True))
    storage = storage_from_settings(ctx["settings"])
    removed = 0
    for key in keys:
        if key not in held:
            await storage.delete(key)
            removed += 1
    return removed


# Jobs of this module (the core collects ``functions`` from each package's ``privacy`` module too).
functions = [delete_evidence_files]
register(
    PersonalData(
        AgreedPackage,
        family="child__family_id",
        child="child_id",
        export=("source", "source_reference", "starts_on", "ends_on", "pattern", "created_at"),
        erasure=Erasure.KEEP,
        why="the council's record of what it agreed a child gets (a statutory duty); names no one once the child is anonymised",
    )
)
register(
    PersonalData(
        PackageAmount,
        family="package__child__family_id",
        export=("package_id", "effective_from", "minutes", "pence", "per", "reason"),
        erasure=Erasure.ANONYMISE,
        why="the agreed amounts over time stay with the council's record; the words about a change are removed",
        personal_fields=("reason",),
    )
)

# The sufficiency report's rows (entitlements.sufficiency): worked out again every night from the records above.
register(
    PersonalData(
        SufficiencyPackage,
        family="child__family_id",
        child="child_id",
        export=("day", "tier_key", "need", "age_band", "area", "minutes_agreed", "minutes_attended", "pence_agreed", "pence_attended"),
        erasure=Erasure.DELETE,
        why="a copy of a package's figures and the child's need, age band and area for the council's report; made again each night",
    )
)
register(
    PersonalData(
        SufficiencyItem,
        family="child__family_id",
        child="child_id",
        export=("section", "key", "places"),
        erasure=Erasure.DELETE,
        why="counts of a child's places declined (with the provider's reason), asked for and waited for, for the council's report",
    )
)
mark_not_personal(SufficiencyMonth, "a council's monthly totals over groups of children, not a person's")
mark_not_personal(SufficiencyRefresh, "when a council's report figures were last worked out")
