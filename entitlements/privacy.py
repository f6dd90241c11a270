"""Entitlements in the core's privacy registry: nothing here is about a family.

The eligibility checker keeps no answers at all (see :mod:`entitlements.pages`), so it has no
table to register. Later parts (applications, decisions) will hold families' data and register it.
"""

from __future__ import annotations

from entitlements.models import CouncilProfile, Statement, Tier
from shortbreaks.privacy import mark_not_personal

mark_not_personal(CouncilProfile, "a council's web address, allowance year and the postcode districts of its whole area, not a person's")
mark_not_personal(
    Statement,
    "a council's published statement: its public contact email and phone, and the ids of the officers who wrote and published it "
    "(staff accounts, set to null if one is deleted); local_needs is about carers in general, never one family",
)
mark_not_personal(Tier, "a council's offer: criteria and needs it is for, not a child's")
