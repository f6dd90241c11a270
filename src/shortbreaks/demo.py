"""The demo data set: deterministic, realistic, and loading it twice changes nothing.

The core adds local authorities, a funder, a provider, a charity and one user for each role;
each domain package's ``demo.load(ctx)`` adds its part in dependency order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shortbreaks.accounts.enums import OrganisationKind, Role
from shortbreaks.accounts.models import Organisation, User
from shortbreaks.accounts.services import (
    OrganisationContact,
    ensure_membership,
    ensure_organisation,
    ensure_user,
    set_organisation_contact,
)
from shortbreaks.domains import DOMAIN_PACKAGES, optional_module
from shortbreaks.settings import Settings

DEMO_PASSWORD = "shortbreaks-demo"  # noqa: S105  # published demo password, shown in the README
# Demo data is dated from a fixed moment so it is the same on every machine; packages that
# need "upcoming" data compute it from the clock they are given.
DEMO_EPOCH = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)

LOCAL_AUTHORITIES = [
    ("GB-LAE-BIR", "Birmingham City Council", "West Midlands"),
    ("GB-LAE-MAN", "Manchester City Council", "North West"),
    ("GB-LAE-LDS", "Leeds City Council", "Yorkshire and The Humber"),
    ("GB-LAE-BST", "Bristol City Council", "South West"),
]

# How families reach each demo council about short breaks (phone numbers from Ofcom's drama range).
COUNCIL_CONTACTS = {
    "GB-LAE-BIR": OrganisationContact(
        "0121 496 0100", "short.breaks@birmingham.example.org", "https://birmingham.example.org/short-breaks"
    ),
    "GB-LAE-MAN": OrganisationContact(
        "0161 496 0100", "short.breaks@manchester.example.org", "https://manchester.example.org/short-breaks"
    ),
    "GB-LAE-LDS": OrganisationContact("0113 496 0100", "short.breaks@leeds.example.org", "https://leeds.example.org/short-breaks"),
    "GB-LAE-BST": OrganisationContact("0117 496 0100", "short.breaks@bristol.example.org", "https://bristol.example.org/short-breaks"),
}

# (email, display name, role, organisation identifier or None, org admin)
DEMO_USERS = [
    ("admin@example.com", "Sam Admin", None, None, False),
    ("family@example.com", "Priya Shah", Role.FAMILY, "GB-LAE-BIR", False),
    ("provider@example.com", "Tom Okafor", Role.PROVIDER_STAFF, "GB-CHC-1180001", True),
    ("officer@example.com", "Helen Clarke", Role.LA_OFFICER, "GB-LAE-BIR", True),
    ("grantee@example.com", "Grace Mensah", Role.GRANTEE, "GB-LAE-BIR", False),
    ("funder@example.com", "Farid Rahman", Role.FUNDER, "GB-GOR-D6", True),
]


@dataclass
class DemoContext:
    settings: Settings
    now: datetime
    organisations: dict[str, Organisation] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


async def load_core(ctx: DemoContext) -> None:
    for identifier, name, region in LOCAL_AUTHORITIES:
        council = await ensure_organisation(
            identifier=identifier, name=name, kind=OrganisationKind.LOCAL_AUTHORITY, region=region, now=ctx.now
        )
        if not (council.contact_phone or council.contact_email or council.website):  # an officer's own details stay
            council = await set_organisation_contact(council, COUNCIL_CONTACTS[identifier], actor=None, now=ctx.now)
        ctx.organisations[identifier] = council
    ctx.organisations["GB-GOR-D6"] = await ensure_organisation(
        identifier="GB-GOR-D6", name="Department for Education", kind=OrganisationKind.FUNDER, now=ctx.now
    )
    ctx.organisations["GB-CHC-1180001"] = await ensure_organisation(
        identifier="GB-CHC-1180001", name="Sunshine Saturday Club", kind=OrganisationKind.CHARITY, region="West Midlands", now=ctx.now
    )
    for email, name, role, org_identifier, org_admin in DEMO_USERS:
        user = await ensure_user(email=email, password=DEMO_PASSWORD, display_name=name, now=ctx.now, is_site_admin=role is None)
        ctx.users[email] = user
        if role is not None and org_identifier is not None:
            await ensure_membership(user, ctx.organisations[org_identifier], role, is_org_admin=org_admin)


async def load_demo_data(settings: Settings, *, now: datetime | None = None) -> bool:
    """Load everything; returns False when the demo data was already there."""
    already = await User.filter(email=DEMO_USERS[0][0]).exists()
    ctx = DemoContext(settings=settings, now=now or datetime.now(UTC))
    await load_core(ctx)
    for package in DOMAIN_PACKAGES:
        module = optional_module(package, "demo")
        if module is not None:
            await module.load(ctx)
    return not already


def print_sign_ins() -> None:
    print(f"\nDemo sign-in details (password for all: {DEMO_PASSWORD})")
    for email, name, role, _org, _admin in DEMO_USERS:
        print(f"  {role.label if role else 'Site administrator':<26} {email:<24} {name}")
    print("\nWithout SMTP_URL no email is sent: sign in as the site administrator and open /admin/mailbox to read them")
    print("(with working links: invitations, email confirmation, password resets). There is no mailbox in production.")
