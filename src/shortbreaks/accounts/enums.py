"""Vocabularies for accounts."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    FAMILY = "family"
    PROVIDER_STAFF = "provider_staff"
    LA_OFFICER = "la_officer"
    GRANTEE = "grantee"
    FUNDER = "funder"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]

    @property
    def is_staff(self) -> bool:
        return self is not Role.FAMILY


ROLE_LABELS = {
    Role.FAMILY: "Family",
    Role.PROVIDER_STAFF: "Provider staff",
    Role.LA_OFFICER: "Local authority officer",
    Role.GRANTEE: "Grantee",
    Role.FUNDER: "Funder",
}


class OrganisationKind(StrEnum):
    LOCAL_AUTHORITY = "local_authority"
    PROVIDER = "provider"
    FUNDER = "funder"
    CHARITY = "charity"
    COMPANY = "company"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


# Which organisation kinds a membership of each role may belong to. A family's
# membership names its home local authority.
ROLE_ORGANISATION_KINDS: dict[Role, frozenset[OrganisationKind]] = {
    Role.FAMILY: frozenset({OrganisationKind.LOCAL_AUTHORITY}),
    Role.PROVIDER_STAFF: frozenset(
        {OrganisationKind.PROVIDER, OrganisationKind.CHARITY, OrganisationKind.COMPANY, OrganisationKind.LOCAL_AUTHORITY}
    ),
    Role.LA_OFFICER: frozenset({OrganisationKind.LOCAL_AUTHORITY}),
    Role.GRANTEE: frozenset(
        {OrganisationKind.LOCAL_AUTHORITY, OrganisationKind.CHARITY, OrganisationKind.COMPANY, OrganisationKind.PROVIDER}
    ),
    Role.FUNDER: frozenset({OrganisationKind.FUNDER}),
}
