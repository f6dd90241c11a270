"""Turning off a calendar address asks first (issue 18, item 12): it stops every subscribed calendar."""

from __future__ import annotations

import httpx

from bookings.feeds import services as feed_services
from bookings.feeds.models import FeedToken
from shortbreaks.accounts.enums import Role
from shortbreaks.accounts.models import Organisation
from tests.factories import csrf, make_user, sign_in
from tests.feeds.conftest import NOW, make_child, principal_for


async def test_turn_off_is_a_link_to_a_page_that_asks_first_and_changes_nothing(client: httpx.AsyncClient, authority: Organisation) -> None:
    family = await make_user(role=Role.FAMILY)
    child = await make_child(family, first_name="Amira")
    token, feed = await feed_services.create_family_feed(await principal_for(family), child_id=child.id, now=NOW)
    await sign_in(client, family)

    calendars = await client.get("/calendar")
    assert f'href="/calendar/feeds/{feed.id}/revoke"' in calendars.text
    assert f'action="/calendar/feeds/{feed.id}/revoke"' not in calendars.text  # no one-click turn off

    asked = await client.get(f"/calendar/feeds/{feed.id}/revoke")
    assert asked.status_code == 200
    assert "Are you sure you want to turn off this calendar address?" in asked.text
    assert "It shows Amira&#39;s bookings." in asked.text
    assert "will stop updating at once" in asked.text
    assert 'href="/calendar">No, keep it on</a>' in asked.text
    assert (await client.get(f"/feeds/f/{token}.ics")).status_code == 200  # asking changed nothing

    turned_off = await client.post(f"/calendar/feeds/{feed.id}/revoke", data={"csrf_token": await csrf(client, "/calendar")})
    assert turned_off.status_code == 303
    assert (await FeedToken.get(id=feed.id)).revoked_at is not None
    assert (await client.get(f"/feeds/f/{token}.ics")).status_code == 404
    assert (await client.get(f"/calendar/feeds/{feed.id}/revoke")).status_code == 404  # already off


async def test_another_family_cannot_see_the_question(client: httpx.AsyncClient, authority: Organisation) -> None:
    owner = await make_user(role=Role.FAMILY)
    _, feed = await feed_services.create_family_feed(await principal_for(owner), child_id=None, now=NOW)
    await sign_in(client, await make_user(role=Role.FAMILY))

    assert (await client.get(f"/calendar/feeds/{feed.id}/revoke")).status_code == 404
