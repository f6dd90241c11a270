"""Open Referral UK 3.0 (HSDS UK profile) output: the only place our names meet the standard's.

Only published providers appear. A provider becomes an ORUK ``organization`` and a
``location`` (at its postcode's district centroid); each of its services a ``service``
and a ``service_at_location``. Availability rules become ``schedules`` with the RRULE's
parts; the price a ``cost_option``. Pages follow the standard's ``Page`` object.
"""

from __future__ import annotations

import math
import uuid
from datetime import datetime
from typing import Any

from providers.enums import ServiceKind
from providers.models import AvailabilityRule, Provider, Service
from shortbreaks.clock import LONDON
from shortbreaks.money import format_pence

HSDS_VERSION = "3.0"
PROFILE_URL = "https://openreferraluk.org/"
OPENAPI_URL = "https://openreferraluk.org/specifications/3.0/openapi.json"
_NAMESPACE = uuid.UUID("6c8a62d4-3f43-4c1f-9a9e-1f2b5a1d7e01")


def _derived_id(kind: str, source: object) -> str:
    """A stable UUID for an ORUK object that has no row of its own (location, cost option)."""
    return str(uuid.uuid5(_NAMESPACE, f"{kind}:{source}"))


def api_info() -> dict[str, Any]:
    return {"version": "HSDS-UK-3.0", "profile": PROFILE_URL, "openapi_url": OPENAPI_URL}


def page(contents: list[dict[str, Any]], *, total: int, page_number: int, per_page: int) -> dict[str, Any]:
    total_pages = max(1, math.ceil(total / per_page)) if per_page else 1
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": page_number,
        "size": len(contents),
        "first_page": page_number == 1,
        "last_page": page_number >= total_pages,
        "empty": not contents,
        "contents": contents,
    }


def _organization(provider: Provider) -> dict[str, Any]:
    out: dict[str, Any] = {"id": str(provider.id), "name": provider.name, "description": provider.description or provider.name}
    if provider.contact_email:
        out["email"] = provider.contact_email
    if provider.website:
        out["website"] = provider.website
    return out


def _location(provider: Provider) -> dict[str, Any]:
    return {
        "id": _derived_id("location", provider.id),
        "location_type": "physical",
        "name": provider.name,
        "latitude": provider.latitude,
        "longitude": provider.longitude,
        "addresses": [
            {
                "id": _derived_id("address", provider.id),
                "location_id": _derived_id("location", provider.id),
                "address_1": provider.address or provider.name,
                "city": "",
                "state_province": "",
                "postal_code": provider.postcode,
                "country": "GB",
                "address_type": "physical",
            }
        ],
    }


def _schedule(rule: AvailabilityRule, service: Service) -> dict[str, Any]:
    parts = dict(p.split("=", 1) for p in rule.rrule.split(";"))
    out: dict[str, Any] = {
        "id": str(rule.id),
        "service_id": str(service.id),
        "valid_from": rule.valid_from.isoformat(),
        "freq": parts["FREQ"],
        "opens_at": rule.start_time,
        "description": f"{rule.rrule} from {rule.start_time} for {rule.duration_minutes} minutes (Europe/London)",
    }
    if rule.valid_until is not None:
        out["valid_to"] = rule.valid_until.isoformat()
    if "INTERVAL" in parts:
        out["interval"] = int(parts["INTERVAL"])
    if "BYDAY" in parts:
        out["byday"] = parts["BYDAY"]
    if "BYMONTHDAY" in parts:
        out["bymonthday"] = parts["BYMONTHDAY"]
    return out


def _last_modified(service: Service) -> str:
    stamp: datetime = service.updated_at
    return stamp.astimezone(LONDON).isoformat()


def service_summary(service: Service, provider: Provider) -> dict[str, Any]:
    """A ``service_list`` item (one-to-one fields and the organization)."""
    out: dict[str, Any] = {
        "id": str(service.id),
        "organization_id": str(provider.id),
        "name": service.name,
        "description": service.description or ServiceKind(service.kind).label,
        "status": "active",
        "fees": "Free" if service.price_pence == 0 else f"{format_pence(service.price_pence)} a session",
        "minimum_age": service.min_age,
        "maximum_age": service.max_age,
        "last_modified": _last_modified(service),
        "organization": _organization(provider),
    }
    if provider.contact_email:
        out["email"] = provider.contact_email
    if provider.website:
        out["url"] = provider.website
    return out


def service_full(service: Service, provider: Provider, rules: list[AvailabilityRule]) -> dict[str, Any]:
    """A full ``service`` with schedules, cost options, languages and its location."""
    out = service_summary(service, provider)
    out["schedules"] = [_schedule(rule, service) for rule in rules]
    out["cost_options"] = [
        {
            "id": _derived_id("cost", service.id),
            "service_id": str(service.id),
            "option": "Per session",
            "amount": service.price_pence / 100,
            "amount_description": "Per session; council allocations and direct payments may cover it",
        }
    ]
    out["languages"] = [
        {"id": _derived_id(f"language:{name}", service.id), "service_id": str(service.id), "name": name}
        for name in (provider.languages or ["English"])
    ]
    out["service_at_locations"] = [
        {
            "id": _derived_id("service_at_location", service.id),
            "service_id": str(service.id),
            "location_id": _derived_id("location", provider.id),
            "location": _location(provider),
        }
    ]
    return out


def service_at_location(service: Service, provider: Provider) -> dict[str, Any]:
    """A ``service_at_location_list`` item."""
    return {
        "id": _derived_id("service_at_location", service.id),
        "service_id": str(service.id),
        "location_id": _derived_id("location", provider.id),
        "location": _location(provider),
        "service": service_summary(service, provider),
    }
