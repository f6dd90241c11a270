"""The accessibility statement: the page and docs/accessibility.md tell the same facts."""

from __future__ import annotations

import html
from pathlib import Path

import httpx

from shortbreaks import accessibility
from tests.browser.test_accessibility import EMPTY_FORMS, SCAN

DOC = Path(__file__).parents[2] / "docs" / "accessibility.md"


def _words(text: str) -> str:
    return " ".join(text.split())


async def test_the_page_shows_the_status_every_known_issue_and_what_was_not_tested(client: httpx.AsyncClient) -> None:
    page = await client.get("/accessibility")

    assert page.status_code == 200
    text = _words(html.unescape(page.text))
    assert f"This service is partially compliant with the {accessibility.STANDARD}" in text
    for issue in accessibility.KNOWN_ISSUES:
        assert _words(issue.text) in text
        assert issue.criterion in text
    for item in accessibility.NOT_TESTED:
        assert item in text
    assert "27 November 2026" in text
    assert "contact the council that gives your child short breaks" in text


def test_the_document_states_the_same_facts_as_the_page() -> None:
    text = _words(DOC.read_text())

    assert f"partially compliant with the {accessibility.STANDARD}" in text
    for issue in accessibility.KNOWN_ISSUES:
        assert _words(issue.text) in text, issue.text
        assert issue.criterion in text
    for item in accessibility.NOT_TESTED:
        assert item in text, item
    assert accessibility.PREPARED_ON.strftime("%-d %B %Y") in text
    # The numbers it gives are the scan's.
    assert f"{len(SCAN)} page routes" in text
    assert f"{len(EMPTY_FORMS)} forms" in text
