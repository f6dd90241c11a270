"""Respite delivered for the demo awards: a grant-funded Saturday club in every awarded area, with a
year and a half of attended Saturdays, so every award's "respite delivered" has hours for each month
with spend (and the cost per hour can be worked out).

Everything goes through the providers' and bookings' services, dated in the past relative to the
clock the demo is loaded with; loading again finds what is there and changes nothing.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from uuid import UUID

from bookings import services as booking_services
from bookings.enums import Attendance
from bookings.models import Booking, Child
from providers import services as provider_services
from providers.models import Provider, Service, Session
from providers.schemas import ProviderIn, RuleIn, ServiceIn
from shortbreaks.accounts.enums import OrganisationKind, Role
from shortbreaks.accounts.models import Organisation, User
from shortbreaks.accounts.services import ensure_membership, ensure_organisation, ensure_user
from shortbreaks.clock import LONDON
from shortbreaks.demo import DEMO_PASSWORD

# Authority identifier → (place, postcode district) for each area with an award.
PLACES = {
    "GB-LAE-BIR": ("Birmingham", "B12"),
    "GB-LAE-MAN": ("Manchester", "M14"),
    "GB-LAE-LDS": ("Leeds", "LS6"),
    "GB-LAE-BST": ("Bristol", "BS5"),
    "GB-LAE-NET": ("Newcastle", "NE1"),
    "GB-LAE-NGM": ("Nottingham", "NG7"),
    "GB-LAE-NWM": ("Newham", "E13"),
    "GB-LAE-KEN": ("Kent", "ME14"),
    "GB-LAE-NFK": ("Norfolk", "NR3"),
}
# Months of attended Saturdays before this one: enough to cover the demo's four quarters of spend
# (the first of which starts 17 months ago at most).
MONTHS_DELIVERED = 18
CHILDREN_PER_SESSION = 2


async def ensure_delivery(authority: Organisation, *, number: int, now: datetime) -> UUID:
    """The area's grant-funded service (made the first time, with its attended sessions); returns its id."""
    place, district = PLACES[authority.identifier]
    slug = place.lower()
    organisation = await ensure_organisation(
        identifier=f"GB-CHC-19{number:05d}",
        name=f"{place} Short Breaks Partnership",
        kind=OrganisationKind.CHARITY,
        region=authority.region,
        now=now,
    )
    staff = await ensure_user(email=f"staff.{slug}@example.com", password=DEMO_PASSWORD, display_name=f"{place} club staff", now=now)
    await ensure_membership(staff, organisation, Role.PROVIDER_STAFF)
    provider = await Provider.get_or_none(organisation_id=organisation.id)
    if provider is None:
        body = ProviderIn(
            name=f"{place} Short Breaks Partnership",
            local_authority_id=authority.id,
            description=f"Grant-funded Saturday short breaks for disabled children in {place}.",
            address=f"Community Centre, {place}",
            postcode=district,
            contact_email=f"hello@{slug}-partnership.example.org",
        )
        provider = await provider_services.create_provider(body, organisation_id=organisation.id, actor=None, now=now)
        provider = await provider_services.publish_provider(provider, actor=None, now=now)
    service = await Service.get_or_none(provider_id=provider.id)
    if service is not None:
        return service.id
    service = await provider_services.create_service(
        provider,
        ServiceIn.model_validate(
            {
                "name": f"Saturday short breaks ({place})",
                "kind": "activity",
                "description": "Play, sport and days out on Saturdays, paid for by the short breaks innovation fund.",
                "min_age": 4,
                "max_age": 18,
                "needs": ["ASD", "SLD", "PD", "SLCN"],
                "staff_ratio": "1:2",
                "price_pence": 0,
                "funding_routes": ["grant_funded"],
            }
        ),
        actor=None,
        now=now,
    )
    today = now.astimezone(LONDON).date()
    first_month = _months_back(today.replace(day=1), MONTHS_DELIVERED)
    rule = RuleIn.model_validate(
        {"rrule": "FREQ=WEEKLY;BYDAY=SA", "start_time": "10:00", "duration_minutes": 240, "staff_count": 3, "valid_from": first_month}
    )
    await provider_services.create_rule(service, rule, actor=None, now=now)
    # The directory makes sessions 16 weeks ahead of "now": run it as of earlier moments to make the past ones.
    moment = datetime.combine(first_month, datetime.min.time(), tzinfo=LONDON)
    while moment < now:
        await provider_services.materialise_service(service, now=moment)
        moment += timedelta(weeks=12)
    await _attend(service, authority, staff, slug, now=now)
    return service.id


def _months_back(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


async def _attend(service: Service, authority: Organisation, staff: User, slug: str, *, now: datetime) -> None:
    """The first Saturday of each past month: two demo children came."""
    children: list[tuple[User, Child]] = []
    for n in range(1, CHILDREN_PER_SESSION + 1):
        family = await ensure_user(
            email=f"{slug}.family{n}@example.com", password=DEMO_PASSWORD, display_name=f"{slug.title()} family {n}", now=now
        )
        await ensure_membership(family, authority, Role.FAMILY)
        child = await Child.get_or_none(family_id=family.id) or await booking_services.create_child(
            family,
            local_authority_id=authority.id,
            first_name=["Sam", "Alex"][n - 1],
            last_name=f"{slug.title()}{n}",
            date_of_birth=date(2014 + n, 3, 1),
            needs=["ASD"],
            now=now,
        )
        children.append((family, child))
    sessions = await Session.filter(service_id=service.id, starts_at__lt=now - timedelta(days=1)).order_by("starts_at")
    months: set[tuple[int, int]] = set()
    for session in sessions:
        month = (session.local_date.year, session.local_date.month)
        if month in months:
            continue
        months.add(month)
        for family, child in children:
            if await Booking.filter(family_id=family.id, session_id=session.id).exists():
                continue
            booking = await booking_services.create_booking(
                family, session_id=session.id, child_ids=[child.id], now=session.starts_at - timedelta(days=3)
            )
            await booking_services.record_attendance(booking, actor=staff, attendance={child.id: Attendance.ATTENDED}, now=session.ends_at)
