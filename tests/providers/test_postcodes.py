"""Postcodes are normalised and located offline at their district's centroid."""

from __future__ import annotations

import pytest

from providers.errors import UnknownPostcode
from providers.jobs import materialise_sessions
from providers.models import Session
from providers.postcodes import describe_distance, haversine_miles, locate, normalise_postcode
from tests.providers.conftest import make_provider, make_rule, make_service


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("b152tt", ("B15 2TT", "B15")), (" SW1A 1aa ", ("SW1A 1AA", "SW1A")), ("m1", ("M1", "M1")), ("LS1 4AP", ("LS1 4AP", "LS1"))],
)
def test_postcodes_and_bare_districts_are_normalised(raw, expected):
    assert normalise_postcode(raw) == expected


@pytest.mark.parametrize("raw", ["", "HELLO", "12345", "B15 2T", "BT1 1AA", "ZZ99"])
def test_malformed_or_unknown_postcodes_are_refused_with_the_field(raw):
    with pytest.raises(UnknownPostcode) as caught:
        locate(raw)
    assert caught.value.errors[0].field == "postcode"


def test_districts_are_located_at_their_centroids():
    place = locate("M1 1AE")
    assert (place.postcode, place.latitude, place.longitude) == ("M1 1AE", 53.47768, -2.23674)


def test_distances_are_great_circle_miles_and_described_roughly():
    birmingham, manchester = locate("B1"), locate("M1")
    assert round(haversine_miles(birmingham.latitude, birmingham.longitude, manchester.latitude, manchester.longitude)) == 70
    assert [describe_distance(m) for m in (0.4, 1.2, 3.4)] == ["less than a mile", "about 1 mile", "about 3 miles"]


async def test_the_nightly_job_rolls_sessions_forward_and_is_safe_to_run_twice(clock):
    from datetime import timedelta

    service = await make_service(await make_provider())
    await make_rule(service)
    clock.advance(timedelta(weeks=1))
    assert await materialise_sessions({"clock": clock}) == 1
    assert await materialise_sessions({"clock": clock}) == 0
    assert await Session.filter(service_id=service.id).count() == 17
