"""Entitlements errors. Each is a ``DomainError``: a stable code, an HTTP status, a message safe to show.

- ``NotADraft`` (409, ``not_a_draft``): only a draft statement version can be changed or published;
  a published one is replaced by publishing a new version.
- ``DraftExists`` (409, ``draft_exists``): the council already has a draft version; finish or
  publish it first.
- ``ValidationFailed`` (422) from the core for a tier with no way to apply, bad amounts, an
  allowance year start that is not a real day, a slug already taken.
"""

from __future__ import annotations

from shortbreaks.errors import Conflict


class NotADraft(Conflict):
    code = "not_a_draft"
    title = "Only a draft version of the statement can be changed or published"


class DraftExists(Conflict):
    code = "draft_exists"
    title = "There is already a draft version of this statement"
