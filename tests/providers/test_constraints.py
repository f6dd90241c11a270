"""The providers' named constraints come back as the errors their entries declare, on both databases."""

from __future__ import annotations

import pytest
from tortoise.exceptions import IntegrityError

from providers.errors import SessionFull
from providers.models import Provider, Session
from shortbreaks import constraints
from shortbreaks.errors import ValidationFailed
from tests.providers.conftest import make_provider, make_rule, make_service


async def test_more_places_than_capacity_is_session_full():
    session = await Session.filter(service_id=(await make_rule(await make_service(await make_provider()))).service_id).first()
    assert session is not None
    with pytest.raises(IntegrityError) as caught:
        await Session.filter(id=session.id).update(places_taken=session.capacity + 1)
    error = constraints.translate(caught.value)
    assert (type(error), getattr(error, "code", None)) == (SessionFull, "session_full")


async def test_a_second_profile_for_an_organisation_names_the_field():
    provider = await make_provider()
    with pytest.raises(IntegrityError) as caught:
        await Provider.create(
            organisation_id=provider.organisation_id,
            local_authority_id=provider.local_authority_id,
            name="Again",
            postcode=provider.postcode,
            latitude=provider.latitude,
            longitude=provider.longitude,
        )
    error = constraints.translate(caught.value)
    assert isinstance(error, ValidationFailed)
    assert [(e.field, e.message) for e in error.errors] == [("organisation_id", "This organisation already has a provider profile")]
