"""Factories for the provider directory: plain async functions calling the real services."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from providers import services
from providers.enums import ProviderStatus
from providers.models import AvailabilityRule, Provider, Service
from providers.schemas import ClosureIn, ProviderIn, RuleIn, ServiceIn
from shortbreaks.accounts.enums import OrganisationKind, Role
from shortbreaks.accounts.models import Organisation
from tests.conftest import TEST_NOW
from tests.factories import make_organisation, make_user

# An availability rule as the API and the forms take it.
RULE = {"rrule": "FREQ=WEEKLY;BYDAY=SA", "start_time": "10:00", "duration_minutes": 120, "staff_count": 2, "valid_from": "2026-06-01"}


async def make_provider(
    *,
    organisation: Organisation | None = None,
    local_authority: Organisation | None = None,
    name: str = "Sunny Days Club",
    postcode: str = "B15 2TT",
    status: ProviderStatus = ProviderStatus.PUBLISHED,
    **fields: Any,
) -> Provider:
    organisation = organisation or await make_organisation(kind=OrganisationKind.CHARITY, name=name)
    local_authority = local_authority or await make_organisation(kind=OrganisationKind.LOCAL_AUTHORITY)
    data = ProviderIn(name=name, local_authority_id=local_authority.id, postcode=postcode, **fields)
    provider = await services.create_provider(data, organisation_id=organisation.id, actor=None, now=TEST_NOW)
    if status == ProviderStatus.PUBLISHED:
        await services.publish_provider(provider, actor=None, now=TEST_NOW)
    elif status == ProviderStatus.SUSPENDED:
        await services.publish_provider(provider, actor=None, now=TEST_NOW)
        await services.suspend_provider(provider, actor=None, now=TEST_NOW)
    return provider


async def make_service(provider: Provider, **fields: Any) -> Service:
    values: dict[str, Any] = {
        "name": "Saturday club",
        "kind": "activity",
        "min_age": 5,
        "max_age": 12,
        "needs": ["ASD"],
        "staff_ratio": "1:2",
        "price_pence": 1500,
        "funding_routes": ["council_allocation", "family_pays"],
    }
    values.update(fields)
    return await services.create_service(provider, ServiceIn.model_validate(values), actor=None, now=TEST_NOW)


async def make_rule(service: Service, **fields: Any) -> AvailabilityRule:
    values: dict[str, Any] = {
        "rrule": "FREQ=WEEKLY;BYDAY=SA",
        "start_time": "10:00",
        "duration_minutes": 180,
        "staff_count": 2,
        "valid_from": date(2026, 1, 1),
    }
    now = fields.pop("now", TEST_NOW)
    values.update(fields)
    return await services.create_rule(service, RuleIn.model_validate(values), actor=None, now=now)


@pytest.fixture
def now() -> Any:
    return TEST_NOW


@pytest.fixture(autouse=True)
async def _database(app: Any) -> Any:
    """Every provider test runs inside the app's lifespan, so Tortoise is open on the test database."""
    yield


@pytest.fixture
async def world():
    """Two authorities, a provider in each, staff and officers of each, and a family."""
    brum = await make_organisation(kind=OrganisationKind.LOCAL_AUTHORITY, name="Birmingham")
    leeds = await make_organisation(kind=OrganisationKind.LOCAL_AUTHORITY, name="Leeds")
    ours_org = await make_organisation(kind=OrganisationKind.CHARITY, name="Ours")
    theirs_org = await make_organisation(kind=OrganisationKind.CHARITY, name="Theirs")
    ours = await make_provider(organisation=ours_org, local_authority=brum, name="Ours")
    await make_provider(organisation=theirs_org, local_authority=leeds, name="Theirs", postcode="LS1")
    service = await make_service(ours)
    rule = await make_rule(service)
    closure = await services.create_closure(
        service, ClosureIn(starts_on=date(2026, 12, 20), ends_on=date(2026, 12, 31)), actor=None, now=TEST_NOW
    )
    return {
        "provider": ours,
        "service": service,
        "rule": rule,
        "closure": closure,
        "brum": brum,
        "staff": await make_user(role=Role.PROVIDER_STAFF, organisation=ours_org),
        "other_staff": await make_user(role=Role.PROVIDER_STAFF, organisation=theirs_org),
        "officer": await make_user(role=Role.LA_OFFICER, organisation=brum),
        "other_officer": await make_user(role=Role.LA_OFFICER, organisation=leeds),
        "family": await make_user(role=Role.FAMILY, organisation=brum),
        "admin": await make_user(admin=True),
    }
