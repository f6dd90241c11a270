"""Demo data for the provider directory: about 40 published providers and 100 services.

Deterministic (a seeded random generator over fixed lists, real postcode districts of
Birmingham, Manchester, Leeds and Bristol) and idempotent: what exists is left alone,
and sessions are materialised for the horizon from ``ctx.now``. The demo provider
organisation, Sunshine Saturday Club (GB-CHC-1180001), runs a Saturday club for autistic
children aged 5 to 12 in Birmingham (B15).
"""

from __future__ import annotations

import random
from datetime import date, datetime
from typing import Any

from providers import services
from providers.enums import ProviderStatus
from providers.models import AvailabilityRule, Provider, Service
from providers.schemas import ProviderIn, RuleIn, ServiceIn
from shortbreaks.accounts.enums import OrganisationKind
from shortbreaks.accounts.services import ensure_organisation
from shortbreaks.demo import DemoContext

DISTRICTS = {
    "GB-LAE-BIR": ["B5", "B6", "B8", "B11", "B12", "B13", "B14", "B15", "B16", "B17", "B20", "B23", "B27", "B29", "B31"],
    "GB-LAE-MAN": ["M4", "M8", "M9", "M11", "M13", "M14", "M15", "M16", "M19", "M20", "M21", "M22", "M40"],
    "GB-LAE-LDS": ["LS2", "LS4", "LS6", "LS7", "LS8", "LS9", "LS11", "LS12", "LS13", "LS15", "LS16", "LS17"],
    "GB-LAE-BST": ["BS2", "BS3", "BS4", "BS5", "BS6", "BS7", "BS8", "BS9", "BS10", "BS13", "BS14", "BS16"],
}
PLACES = {"GB-LAE-BIR": "Birmingham", "GB-LAE-MAN": "Manchester", "GB-LAE-LDS": "Leeds", "GB-LAE-BST": "Bristol"}
FIRST = ["Rainbow", "Horizon", "Oak Tree", "Kite", "Lighthouse", "Willow", "Compass", "Acorn", "Harbour", "Bright Sparks"]
SECOND = ["Short Breaks", "Family Support", "Play Trust", "Children's Centre", "Adventures"]
ACCESSIBILITY = [
    "step_free",
    "accessible_toilet",
    "changing_places",
    "hoist",
    "sensory_room",
    "quiet_space",
    "accessible_transport",
    "makaton_bsl",
]
NEEDS = ["SPLD", "MLD", "SLD", "PMLD", "SEMH", "SLCN", "HI", "VI", "MSI", "PD", "ASD", "OTH"]
# kind → (service name, rule, start time, minutes, ratio)
KINDS: dict[str, list[tuple[str, str, str, int, str]]] = {
    "activity": [
        ("Saturday club", "FREQ=WEEKLY;BYDAY=SA", "10:00", 180, "1:3"),
        ("Sunday swim", "FREQ=WEEKLY;BYDAY=SU", "11:00", 90, "1:2"),
        ("After-school youth club", "FREQ=WEEKLY;BYDAY=WE", "16:30", 120, "group"),
    ],
    "holiday_scheme": [("Summer holiday scheme", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "09:30", 360, "1:2")],
    "day_care_away": [("Saturday day care", "FREQ=WEEKLY;BYDAY=SA", "09:00", 420, "1:2")],
    "day_care_home": [("Sitting service at home", "FREQ=WEEKLY;BYDAY=TU,TH", "16:00", 180, "1:1")],
    "overnight_away": [("Overnight short break", "FREQ=MONTHLY;BYDAY=1FR,3FR", "17:00", 1020, "1:1")],
    "overnight_home": [("Overnight care at home", "FREQ=WEEKLY;BYDAY=FR", "20:00", 660, "1:1")],
    "family_based": [("Family-based short break", "FREQ=MONTHLY;BYDAY=2SA", "10:00", 480, "1:1")],
}
AGE_RANGES = [(0, 5), (4, 11), (5, 12), (8, 16), (11, 18), (16, 25)]
PRICES = [0, 0, 500, 1200, 1800, 2500, 4500, 9000]
FUNDING = [
    ["council_allocation"],
    ["council_allocation", "direct_payment"],
    ["direct_payment", "family_pays"],
    ["grant_funded"],
    ["council_allocation", "family_pays"],
]


async def _ensure_provider(ctx: DemoContext, identifier: str, name: str, authority: str, data: dict[str, Any]) -> Provider:
    organisation = ctx.organisations.get(identifier) or await ensure_organisation(
        identifier=identifier, name=name, kind=OrganisationKind.CHARITY, region="", now=ctx.now
    )
    existing = await Provider.get_or_none(organisation_id=organisation.id)
    if existing is not None:
        return existing
    body = ProviderIn.model_validate({"name": name, "local_authority_id": ctx.organisations[authority].id, **data})
    provider = await services.create_provider(body, organisation_id=organisation.id, actor=None, now=ctx.now)
    return await services.publish_provider(provider, actor=None, now=ctx.now)


async def _ensure_service(provider: Provider, data: dict[str, Any], rule: dict[str, Any], *, now: datetime) -> None:
    service = await Service.get_or_none(provider_id=provider.id, name=data["name"])
    if service is None:
        service = await services.create_service(provider, ServiceIn.model_validate(data), actor=None, now=now)
    if not await AvailabilityRule.filter(service_id=service.id).exists():
        await services.create_rule(service, RuleIn.model_validate(rule), actor=None, now=now)
    else:
        await services.materialise_service(service, now=now)


def _rule(rrule: str, start: str, minutes: int, staff: int, kind: str) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "rrule": rrule,
        "start_time": start,
        "duration_minutes": minutes,
        "staff_count": staff,
        "valid_from": date(2026, 1, 1),
    }
    if kind == "holiday_scheme":
        rule |= {"valid_from": date(2026, 7, 22), "valid_until": date(2026, 9, 1)}
    return rule


WAITING_PROVIDER = ("GB-CHC-1187777", "Little Stars Inclusive Play")


async def _waiting_for_approval(ctx: DemoContext) -> Provider:
    """A new provider in Birmingham that has sent its profile and waits for the council's officer to approve it."""
    identifier, name = WAITING_PROVIDER
    organisation = await ensure_organisation(
        identifier=identifier, name=name, kind=OrganisationKind.CHARITY, region="West Midlands", now=ctx.now
    )
    existing = await Provider.get_or_none(organisation_id=organisation.id)
    if existing is not None:
        return existing
    body = ProviderIn.model_validate(
        {
            "name": name,
            "local_authority_id": ctx.organisations["GB-LAE-BIR"].id,
            "description": "Inclusive play sessions for disabled children under 8 and their brothers and sisters.",
            "address": "Little Stars Hall, 40 Stratford Road, Birmingham",
            "postcode": "B11",
            "contact_email": "hello@littlestars.example.org",
        }
    )
    provider = await services.create_provider(body, organisation_id=organisation.id, actor=None, now=ctx.now)
    return await services.submit_provider_for_review(provider, actor=None, now=ctx.now)


async def load(ctx: DemoContext) -> None:
    sunshine = await _ensure_provider(
        ctx,
        "GB-CHC-1180001",
        "Sunshine Saturday Club",
        "GB-LAE-BIR",
        {
            "description": "A friendly Saturday club for autistic children, with a sensory room and quiet space.",
            "ofsted_urn": "SC180001",
            "address": "Sunshine Centre, 12 Harborne Road, Birmingham",
            "postcode": "B15 3AA",
            "contact_email": "hello@sunshine.example.org",
            "contact_phone": "0121 496 0001",
            "website": "https://sunshine.example.org",
            "accessibility": ["step_free", "accessible_toilet", "sensory_room", "quiet_space", "makaton_bsl"],
        },
    )
    await _ensure_service(
        sunshine,
        {
            "name": "Sunshine Saturday Club",
            "kind": "activity",
            "description": "Games, crafts and sensory play every Saturday morning for autistic children aged 5 to 12.",
            "min_age": 5,
            "max_age": 12,
            "needs": ["ASD", "SLCN", "SEMH"],
            "staff_ratio": "1:2",
            "price_pence": 1500,
            "funding_routes": ["council_allocation", "direct_payment", "family_pays"],
            "what_to_bring": "A packed lunch and a change of clothes.",
        },
        _rule("FREQ=WEEKLY;BYDAY=SA", "10:00", 180, 4, "activity"),
        now=ctx.now,
    )

    # Requests wait for the provider's decision here (the bookings demo makes them).
    await _ensure_service(
        sunshine,
        {
            "name": "Sunshine Friday Tea Club",
            "kind": "activity",
            "description": "Tea, games and a film after school on Fridays. We meet each family first, so we confirm bookings.",
            "min_age": 5,
            "max_age": 12,
            "needs": ["ASD", "SLCN", "SEMH"],
            "staff_ratio": "1:2",
            "price_pence": 1200,
            "booking_mode": "approval",
            "response_target_hours": 24,  # so the request waiting two days shows as late
            "funding_routes": ["council_allocation", "direct_payment", "family_pays"],
        },
        _rule("FREQ=WEEKLY;BYDAY=FR", "16:00", 120, 2, "activity"),
        now=ctx.now,
    )

    rng = random.Random(20260401)  # noqa: S311  # demo data, not security: a fixed seed makes it the same everywhere
    kinds = list(KINDS)
    number = 0
    for authority, districts in DISTRICTS.items():
        for i in range(10):
            number += 1
            district = districts[i % len(districts)]
            name = f"{FIRST[i]} {SECOND[(i + number) % len(SECOND)]} {PLACES[authority]}"
            provider = await _ensure_provider(
                ctx,
                f"GB-CHC-12{number:05d}",
                name,
                authority,
                {
                    "description": f"Short breaks for disabled children and young people in {PLACES[authority]}.",
                    "address": f"{rng.randint(1, 200)} High Street, {PLACES[authority]}",
                    "postcode": district,
                    "contact_email": f"info@provider{number}.example.org",
                    "accessibility": sorted(rng.sample(ACCESSIBILITY, rng.randint(1, 5)), key=ACCESSIBILITY.index),
                    "languages": ["English", *rng.sample(["Urdu", "Punjabi", "Polish", "Somali", "Bengali", "Arabic"], rng.randint(0, 2))],
                },
            )
            for j in range(2 + (number % 2 == 0)):
                kind = kinds[(i + j * 3 + number) % len(kinds)]
                title, rrule, start, minutes, ratio = KINDS[kind][(number + j) % len(KINDS[kind])]
                low, high = AGE_RANGES[rng.randrange(len(AGE_RANGES))]
                data = {
                    "name": f"{title} ({FIRST[i]})",
                    "kind": kind,
                    "description": f"{title} run by {name}.",
                    "min_age": low,
                    "max_age": high,
                    "needs": sorted(rng.sample(NEEDS, rng.randint(2, 5)), key=NEEDS.index),
                    "staff_ratio": ratio,
                    "group_size": 12 if ratio == "group" else None,
                    "price_pence": PRICES[rng.randrange(len(PRICES))],
                    "funding_routes": FUNDING[rng.randrange(len(FUNDING))],
                    "booking_mode": "approval" if kind.startswith("overnight") else "instant",
                }
                await _ensure_service(provider, data, _rule(rrule, start, minutes, rng.randint(2, 4), kind), now=ctx.now)
    assert await Provider.filter(status=ProviderStatus.PUBLISHED).count() >= 41
    await _waiting_for_approval(ctx)
