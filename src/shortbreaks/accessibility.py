"""The facts of the accessibility statement: shown at ``/accessibility``, written up in docs/accessibility.md.

Change them when a test run or a review changes what we know, and the date with them;
``tests/core/test_accessibility_statement.py`` fails when the page and the document disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

PREPARED_ON = date(2026, 11, 27)
LAST_TESTED_ON = date(2026, 11, 27)
STANDARD = "Web Content Accessibility Guidelines version 2.2 AA standard"
STATUS = "partially compliant"


@dataclass(frozen=True)
class Issue:
    """Content that does not meet the standard: what happens, the success criterion, what we will do."""

    text: str
    criterion: str
    plan: str


KNOWN_ISSUES = (
    Issue(
        "Some buttons delete or change something in one step, with no page that asks you to check first: "
        "'Delete my account' on 'Your data', and for provider staff and officers removing an availability rule or a closure, "
        "turning off a calendar address or getting a new one, declining a booking, suspending a provider and revoking an API token.",
        "3.3.4 Error Prevention (Legal, Financial, Data)",
        "Add a page that asks first, as cancelling a booking now has, starting with 'Delete my account'.",
    ),
)

# What we have not tested: the statement says so rather than claiming it.
NOT_TESTED = (
    "with screen readers (such as JAWS, NVDA, VoiceOver or TalkBack) or speech recognition software",
    "at 400% zoom, or with text spacing, colours or fonts changed by the user",
    "in browsers other than Chromium, or on phones and tablets",
    "by disabled people, or by an accessibility specialist: nobody outside the development team has audited the service",
    "the payment pages run by Stripe, which we do not control",
)
