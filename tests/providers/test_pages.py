"""The provider directory pages: management journeys, who may see them, and the public service page."""

from __future__ import annotations

from providers.models import Service, Session
from tests.factories import csrf, sign_in
from tests.providers.conftest import RULE


async def test_management_pages_create_a_service_and_a_rule(client, world):
    await sign_in(client, world["staff"])
    provider = world["provider"]
    assert (await client.get("/provider")).status_code == 200
    assert (await client.get(f"/provider/{provider.id}")).status_code == 200
    token = await csrf(client, f"/provider/{provider.id}/services/new")
    form = {
        "csrf_token": token,
        "name": "Sitting",
        "kind": "day_care_home",
        "min_age": "3",
        "max_age": "18",
        "needs": ["PMLD", "PD"],
        "staff_ratio": "1:1",
        "price": "0",
        "closed_on_bank_holidays": "true",
    }
    response = await client.post(f"/provider/{provider.id}/services/new", data=form)
    assert response.status_code == 303
    service = await Service.get(name="Sitting")
    assert [n.value for n in service.needs] == ["PMLD", "PD"]
    response = await client.post(
        f"/provider/services/{service.id}/rules", data={"csrf_token": token, **RULE, "end_time": "12:00", "rrule": "FREQ=WEEKLY;BYDAY=WE"}
    )
    assert response.status_code == 303
    assert await Session.filter(service_id=service.id).count() == 16
    hourly = {"csrf_token": token, **RULE, "end_time": "12:00", "rrule": "FREQ=HOURLY"}
    response = await client.post(f"/provider/services/{service.id}/rules", data=hourly)
    assert response.status_code == 422
    assert "FREQ must be DAILY, WEEKLY or MONTHLY" in response.text
    assert (await client.get(f"/provider/services/{service.id}")).status_code == 200
    assert (await client.get(f"/provider/{provider.id}/edit")).status_code == 200


async def test_management_pages_are_404_for_other_providers_staff(client, world):
    await sign_in(client, world["other_staff"])
    assert (await client.get(f"/provider/{world['provider'].id}")).status_code == 404
    assert (await client.get(f"/provider/services/{world['service'].id}")).status_code == 404


async def test_officer_publishes_from_the_provider_page(client, world):
    await sign_in(client, world["officer"])
    token = await csrf(client, f"/provider/{world['provider'].id}")
    response = await client.post(f"/provider/{world['provider'].id}/suspend", data={"csrf_token": token})
    assert response.status_code == 303
    await world["provider"].refresh_from_db()
    assert world["provider"].status.value == "suspended"


async def test_service_page_lists_upcoming_sessions_with_places_left(client, world):
    response = await client.get(f"/services/{world['service'].id}")
    assert response.status_code == 200
    assert "13 June 2026 at 10am" in response.text


async def test_the_officer_sees_providers_in_their_council_with_those_waiting_for_approval_first(client, world):
    from providers.enums import ProviderStatus
    from shortbreaks.accounts.enums import OrganisationKind
    from tests.factories import make_organisation
    from tests.providers.conftest import make_provider

    waiting = await make_provider(
        organisation=await make_organisation(kind=OrganisationKind.CHARITY, name="New"),
        local_authority=world["brum"],
        name="New Club",
        status=ProviderStatus.DRAFT,
    )
    from providers import services as provider_services
    from tests.conftest import TEST_NOW

    draft = await make_provider(
        organisation=await make_organisation(kind=OrganisationKind.CHARITY, name="Not yet"),
        local_authority=world["brum"],
        name="Not Ready Club",
        status=ProviderStatus.DRAFT,
    )
    await provider_services.submit_provider_for_review(waiting, actor=None, now=TEST_NOW)
    await sign_in(client, world["officer"])
    page = await client.get("/provider")
    assert '<h1 class="govuk-heading-l">Providers in your council</h1>' in page.text
    assert f'href="/provider/{draft.id}">Not Ready Club</a> <strong class="govuk-tag govuk-tag--yellow">Draft</strong>' in page.text
    waiting_box = page.text.split('id="waiting-for-approval"')[1].split("</div>")[0]
    assert f'href="/provider/{waiting.id}">New Club</a>' in waiting_box
    assert "Ours" not in waiting_box and "Not Ready Club" not in waiting_box
    assert "Create a provider profile" not in page.text


async def test_staff_with_a_profile_are_not_offered_another_and_the_refusal_links_to_a_field(client, world):
    from shortbreaks.accounts.enums import OrganisationKind, Role
    from tests.factories import make_organisation, make_user

    await sign_in(client, world["staff"])
    page = await client.get("/provider")
    assert '<h1 class="govuk-heading-l">Your provider profile</h1>' in page.text
    assert "Create a provider profile" not in page.text
    token = await csrf(client, "/provider/new")
    refused = await client.post(
        "/provider/new",
        data={"csrf_token": token, "name": "Second", "local_authority_id": str(world["brum"].id), "postcode": "B1 1AA"},
    )
    assert refused.status_code == 422
    assert '<a href="#name">This organisation already has a provider profile</a>' in refused.text
    assert 'id="name"' in refused.text

    newcomer = await make_user(role=Role.PROVIDER_STAFF, organisation=await make_organisation(kind=OrganisationKind.CHARITY))
    client.cookies.clear()
    await sign_in(client, newcomer)
    fresh = await client.get("/provider")
    assert "You do not have a provider profile yet." in fresh.text and "Create a provider profile" in fresh.text


async def test_staff_send_a_draft_profile_for_review_once(client, world):
    from providers.enums import ProviderStatus
    from providers.models import Provider
    from shortbreaks.accounts.enums import OrganisationKind, Role
    from shortbreaks.models import AuditEvent
    from tests.factories import make_organisation, make_user
    from tests.providers.conftest import make_provider

    organisation = await make_organisation(kind=OrganisationKind.CHARITY, name="Newcomers")
    draft = await make_provider(organisation=organisation, local_authority=world["brum"], name="New Club", status=ProviderStatus.DRAFT)
    staff = await make_user(role=Role.PROVIDER_STAFF, organisation=organisation)
    await sign_in(client, staff)
    page = await client.get(f"/provider/{draft.id}")
    assert "Families cannot find this profile yet." in page.text and ">Send for review</button>" in page.text
    token = await csrf(client, f"/provider/{draft.id}")
    sent = await client.post(f"/provider/{draft.id}/submit", data={"csrf_token": token})
    assert sent.status_code == 303
    assert (await Provider.get(id=draft.id)).submitted_for_review_at is not None
    again = await client.post(f"/provider/{draft.id}/submit", data={"csrf_token": token})
    assert again.status_code == 303
    assert await AuditEvent.filter(action="providers.provider.submitted_for_review", record_id=draft.id).count() == 1
    after = await client.get(f"/provider/{draft.id}")
    assert "Sent to the council for review on" in after.text and "Send for review</button>" not in after.text

    # A published profile is not sent for review: the refusal is the page's error summary, not a 500.
    client.cookies.clear()
    await sign_in(client, world["staff"])
    token = await csrf(client, f"/provider/{world['provider'].id}")
    refused = await client.post(f"/provider/{world['provider'].id}/submit", data={"csrf_token": token})
    assert refused.status_code == 409
    assert '<a href="#status">A published provider is not waiting for review</a>' in refused.text and 'id="status"' in refused.text


async def test_the_council_chooses_to_review_new_services_and_the_officer_approves_one(client, world):
    from providers.models import Service
    from tests.providers.conftest import make_service

    provider = world["provider"]  # published, in Birmingham
    live = await make_service(provider)  # the council does not review new services yet: live at once
    assert live.awaiting_review is False
    await sign_in(client, world["officer"])
    token = await csrf(client, "/provider")
    chosen = await client.post(
        "/provider/review-setting", data={"csrf_token": token, "local_authority_id": str(world["brum"].id), "review_new_services": "true"}
    )
    assert chosen.status_code == 303
    page = await client.get("/provider")
    assert f'id="review-{world["brum"].id}" name="review_new_services" type="radio" value="true" checked' in page.text

    waiting = await make_service(provider)
    assert waiting.awaiting_review is True
    assert (await client.get(f"/services/{waiting.id}")).status_code == 404  # families cannot find it
    assert (await client.get(f"/services/{live.id}")).status_code == 200
    page = await client.get("/provider")
    box = page.text.split('id="services-waiting"')[1].split("</div>")[0]
    assert f'href="/provider/services/{waiting.id}"' in box and f'href="/provider/services/{live.id}"' not in box
    approved = await client.post(f"/provider/services/{waiting.id}/approve", data={"csrf_token": token})
    assert approved.status_code == 303
    assert (await Service.get(id=waiting.id)).awaiting_review is False
    assert (await client.get(f"/services/{waiting.id}")).status_code == 200

    # The other council's officer can neither change Birmingham's choice nor approve its services.
    client.cookies.clear()
    await sign_in(client, world["other_officer"])
    token = await csrf(client, "/provider")
    refused = await client.post(
        "/provider/review-setting", data={"csrf_token": token, "local_authority_id": str(world["brum"].id), "review_new_services": "false"}
    )
    assert refused.status_code == 404
