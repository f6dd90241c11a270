"""The demo data answers the demo's search sensibly, and loading it twice changes nothing."""

from __future__ import annotations

from providers.enums import ProviderStatus
from providers.models import Provider, Service, Session
from shortbreaks.demo import load_demo_data


async def test_demo_data_is_idempotent_and_finds_the_saturday_asd_club_near_b15(client, settings, clock):
    await load_demo_data(settings, now=clock.now())
    counts = (await Provider.all().count(), await Service.all().count(), await Session.all().count())
    await load_demo_data(settings, now=clock.now())
    assert (await Provider.all().count(), await Service.all().count(), await Session.all().count()) == counts
    # 41 in the directory's demo, one waiting for approval, and the grants demo's grant-funded club in each of 9 awarded areas.
    assert counts[0] == 41 + 1 + 9
    waiting = await Provider.filter(status=ProviderStatus.DRAFT).values_list("name", flat=True)
    assert waiting == ["Little Stars Inclusive Play"]
    # About 100 in the directory's demo, the approval-required tea club and the 9 grant-funded clubs.
    assert 95 <= counts[1] <= 120
    params = {"postcode": "B15", "within_miles": 5, "age": 9, "needs": "ASD", "weekdays": "sat", "kind": "activity"}
    names = [item["name"] for item in (await client.get("/api/v1/services", params=params)).json()["items"]]
    assert names[0] == "Sunshine Saturday Club"
