"""Grants errors. Each is a ``DomainError``: a stable code, an HTTP status, a message safe to show.

- ``OverBudget`` (409, ``over_budget``): an award or a round would take its round or fund past its budget.
- ``OverPaid`` (409, ``over_paid``): a tranche payment would take payments past the award.
- ``SpendOverAward`` (409, ``spend_over_award``): approving would take approved spend past the award.
- ``OverBudgetLine`` (409, ``over_budget_line``): approving would take a budget line past the
  funder's tolerance; a funder may approve anyway only by saying so explicitly, with a reason.
- ``OwnReturn`` (403, ``own_return``): nobody decides a return they created, submitted or claim for.
- ``AlreadyDecided`` (409, ``already_decided``): the return is not waiting for a decision.
- ``ReturnNotEditable`` (409, ``return_not_editable``): the return has been submitted or decided.
- ``AlreadyPaid`` (409, ``already_paid``): the tranche was paid already.
- ``BelowCommitted`` (409, ``below_committed``): a variation would take an award below what is
  already paid or approved.
- ``ValidationFailed`` (422) from the core for bad amounts, dates and categories.
"""

from __future__ import annotations

from shortbreaks.errors import Conflict, PermissionDenied


class OverBudget(Conflict):
    code = "over_budget"
    title = "That is more than the remaining budget"


class OverPaid(Conflict):
    code = "over_paid"
    title = "Payments would be more than the award"


class SpendOverAward(Conflict):
    code = "spend_over_award"
    title = "Approved spend would be more than the award"


class OverBudgetLine(Conflict):
    code = "over_budget_line"
    title = "Approved spend would pass a budget line by more than the tolerance"


class OwnReturn(PermissionDenied):
    code = "own_return"
    title = "You cannot decide a spend return you created, submitted or claim for"


class AlreadyDecided(Conflict):
    code = "already_decided"
    title = "This spend return is not waiting for a decision"


class ReturnNotEditable(Conflict):
    code = "return_not_editable"
    title = "This spend return cannot be changed now"


class AlreadyPaid(Conflict):
    code = "already_paid"
    title = "This tranche has been paid already"


class BelowCommitted(Conflict):
    code = "below_committed"
    title = "An award cannot go below what has already been paid or approved"
