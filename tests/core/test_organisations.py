"""Organisations carry 360Giving-style identifiers, validated for shape."""

from __future__ import annotations

import pytest

from shortbreaks.accounts.enums import OrganisationKind
from shortbreaks.accounts.identifiers import identifier_problem
from shortbreaks.accounts.models import Organisation
from shortbreaks.accounts.services import ensure_organisation
from shortbreaks.errors import ValidationFailed
from tests.factories import NOW


@pytest.mark.parametrize(
    "identifier",
    [
        "GB-LAE-BIR",
        "GB-CHC-1234567",
        "GB-CHC-123456",
        "GB-COH-01234567",
        "GB-COH-SC123456",
        "GB-SC-SC012345",
        "GB-GOR-D6",
        "GB-EDU-123456",
        "US-EIN-123456789",
    ],
)
def test_well_formed_identifiers_are_accepted(identifier: str) -> None:
    assert identifier_problem(identifier) is None


@pytest.mark.parametrize(
    ("identifier", "message"),
    [
        ("BIR", "Enter an organisation identifier like GB-CHC-1234567"),
        ("GB-LAE-B1R", "GB-LAE-B1R is not a valid GB-LAE identifier (for example GB-LAE-BIR)"),
        ("GB-CHC-12AB", "GB-CHC-12AB is not a valid GB-CHC identifier (for example GB-CHC-1234567)"),
        ("GB-COH-1234", "GB-COH-1234 is not a valid GB-COH identifier"),
        ("gb-chc-1234567", "Enter an organisation identifier like"),
    ],
)
def test_malformed_identifiers_are_refused_with_a_reason(identifier: str, message: str) -> None:
    problem = identifier_problem(identifier)
    assert problem is not None
    assert problem.startswith(message)


async def test_an_organisation_with_a_bad_identifier_is_not_created() -> None:
    with pytest.raises(ValidationFailed) as raised:
        await ensure_organisation(identifier="GB-CHC-ABC", name="Bad", kind=OrganisationKind.CHARITY, now=NOW)
    assert [e.field for e in raised.value.errors] == ["identifier"]
    assert await Organisation.all().count() == 0
