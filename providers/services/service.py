"""The services a provider offers: add one, change one (re-materialising its sessions)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from providers.enums import to_mask
from providers.models import Provider, Service
from providers.schemas import ServiceIn
from providers.services.common import actor_user, check_manage, merge
from providers.services.sessions import _materialise
from shortbreaks import audit
from shortbreaks.permissions import Principal


def service_values(data: ServiceIn) -> dict[str, Any]:
    values = data.model_dump(exclude={"needs", "funding_routes"})
    values["needs_mask"] = to_mask(data.needs)
    values["funding_mask"] = to_mask(data.funding_routes)
    return values


def service_input(service: Service) -> dict[str, Any]:
    values = {name: getattr(service, name) for name in ServiceIn.model_fields if name not in ("needs", "funding_routes")}
    values["needs"] = [n.value for n in service.needs]
    values["funding_routes"] = [f.value for f in service.funding_routes]
    return values


async def create_service(provider: Provider, data: ServiceIn, *, actor: Principal | None, now: datetime) -> Service:
    """Add a service to a provider. It has no sessions until it has an availability rule."""
    check_manage(actor, provider)
    async with in_transaction() as conn:
        service = await Service.create(provider_id=provider.id, using_db=conn, **service_values(data))
        await audit.record(
            "providers.service.created",
            actor=actor_user(actor),
            record_type="service",
            record_id=service.id,
            now=now,
            after=data.model_dump(mode="json"),
            using_db=conn,
        )
    return service


async def update_service(service: Service, changes: dict[str, Any], *, actor: Principal | None, now: datetime) -> Service:
    """Change a service; a new staff ratio, group size or bank-holiday choice re-materialises its sessions.

    Refused (nothing written) when that would remove booked sessions or leave fewer places than are booked.
    """
    provider = await Provider.get(id=service.provider_id)
    check_manage(actor, provider)
    data: ServiceIn = merge(ServiceIn, service_input(service), changes)
    before = service_input(service)
    async with in_transaction() as conn:
        await Service.filter(id=service.id).using_db(conn).update(**service_values(data), updated_at=now)
        updated = await Service.filter(id=service.id).using_db(conn).get()
        await _materialise(updated, now=now, conn=conn, strict=True)
        await audit.record(
            "providers.service.updated",
            actor=actor_user(actor),
            record_type="service",
            record_id=service.id,
            now=now,
            before=before,
            after=data.model_dump(mode="json"),
            using_db=conn,
        )
    return updated
