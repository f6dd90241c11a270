"""A council's short breaks contact details (issue 18, item 1): its administrator records them on the
organisation page, and the booking page shows them to families who need an allocation."""

from __future__ import annotations

import html

import httpx

from shortbreaks.accounts.enums import OrganisationKind, Role
from shortbreaks.accounts.models import Organisation
from shortbreaks.accounts.services import OrganisationContact, set_organisation_contact
from shortbreaks.models import AuditEvent
from tests.factories import NOW, csrf, make_organisation, make_user, sign_in


async def test_a_councils_administrator_saves_its_contact_details(client: httpx.AsyncClient) -> None:
    council = await make_organisation(kind=OrganisationKind.LOCAL_AUTHORITY, name="Birmingham City Council")
    officer = await make_user(role=Role.LA_OFFICER, organisation=council, org_admin=True)
    await sign_in(client, officer)
    page = f"/organisations/{council.id}"
    token = await csrf(client, page)

    refused = await client.post(
        f"{page}/contact", data={"csrf_token": token, "contact_phone": "0121 496 0100", "contact_email": "not an email", "website": "www.x"}
    )
    assert refused.status_code == 422
    text = html.unescape(refused.text)
    assert '<a href="#contact_email">Enter an email address like name@example.org</a>' in text
    assert '<a href="#website">Enter the address of the short breaks web page, starting with https://</a>' in text
    assert 'value="0121 496 0100"' in text  # what they typed, to correct

    saved = await client.post(
        f"{page}/contact",
        data={
            "csrf_token": token,
            "contact_phone": " 0121 496 0100 ",
            "contact_email": "Short.Breaks@Birmingham.example.org",
            "website": "https://birmingham.example.org/short-breaks",
        },
    )
    assert saved.status_code == 303
    council = await Organisation.get(id=council.id)
    assert (council.contact_phone, council.contact_email, council.website) == (
        "0121 496 0100",
        "short.breaks@birmingham.example.org",
        "https://birmingham.example.org/short-breaks",
    )
    assert 'value="short.breaks@birmingham.example.org"' in (await client.get(page)).text


async def test_saving_the_same_details_twice_writes_one_audit_record() -> None:
    council = await make_organisation(kind=OrganisationKind.LOCAL_AUTHORITY)
    contact = OrganisationContact("0113 496 0100", "sb@leeds.example.org", "https://leeds.example.org/short-breaks")

    await set_organisation_contact(council, contact, actor=None, now=NOW)
    await set_organisation_contact(council, contact, actor=None, now=NOW)

    assert await AuditEvent.filter(action="core.organisation.contact_changed", record_id=str(council.id)).count() == 1
