"""The services a provider offers: add one, change one (re-materialising its sessions), and the council's review of new ones."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from tortoise.transactions import in_transaction

from providers import permissions
from providers.enums import ProviderStatus, to_mask
from providers.models import AuthoritySetting, Provider, Service
from providers.schemas import ServiceIn
from providers.services.common import actor_user, check_manage, merge
from providers.services.sessions import _materialise
from shortbreaks import audit
from shortbreaks.errors import NotFound
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
    """Add a service to a provider. It has no sessions until it has an availability rule.

    A published provider's new service waits for an officer's approval (``awaiting_review``) when
    its council reviews new services; a draft provider's services are reviewed with the profile.
    """
    check_manage(actor, provider)
    reviewed = (
        provider.status != ProviderStatus.DRAFT
        and await AuthoritySetting.filter(local_authority_id=provider.local_authority_id, review_new_services=True).exists()
    )
    async with in_transaction() as conn:
        service = await Service.create(provider_id=provider.id, awaiting_review=reviewed, using_db=conn, **service_values(data))
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


async def approve_service(service: Service, *, actor: Principal | None, now: datetime) -> Service:
    """An officer of the provider's council approves a new service: families can find it. Approving twice changes nothing."""
    provider = await Provider.get(id=service.provider_id)
    if actor is not None and not permissions.can_approve_provider(actor, local_authority_id=provider.local_authority_id):
        raise NotFound()
    async with in_transaction() as conn:
        changed = await Service.filter(id=service.id, awaiting_review=True).using_db(conn).update(awaiting_review=False, updated_at=now)
        if changed:
            await audit.record(
                "providers.service.approved",
                actor=actor_user(actor),
                record_type="service",
                record_id=service.id,
                now=now,
                before={"awaiting_review": True},
                after={"awaiting_review": False},
                using_db=conn,
            )
    await service.refresh_from_db()
    return service


async def set_review_new_services(local_authority_id: UUID, review: bool, *, actor: Principal | None, now: datetime) -> AuthoritySetting:
    """The council's choice: whether a published provider's new services wait for an officer's approval."""
    if actor is not None and not permissions.can_approve_provider(actor, local_authority_id=local_authority_id):
        raise NotFound()
    async with in_transaction() as conn:
        setting = await AuthoritySetting.filter(local_authority_id=local_authority_id).using_db(conn).first()
        before = setting.review_new_services if setting is not None else False
        if setting is None:
            setting = await AuthoritySetting.create(local_authority_id=local_authority_id, review_new_services=review, using_db=conn)
        else:
            await AuthoritySetting.filter(id=setting.id).using_db(conn).update(review_new_services=review, updated_at=now)
            setting.review_new_services = review
        if before != review:
            await audit.record(
                "providers.authority_setting.updated",
                actor=actor_user(actor),
                record_type="organisation",
                record_id=local_authority_id,
                now=now,
                before={"review_new_services": before},
                after={"review_new_services": review},
                using_db=conn,
            )
    return setting


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
