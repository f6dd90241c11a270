"""Provider profiles and their approval: create and change a profile, publish and suspend it."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from providers import permissions
from providers.enums import ProviderStatus, to_mask
from providers.errors import ProviderNotPublishable
from providers.models import Provider, Service, Session
from providers.postcodes import locate
from providers.schemas import ProviderIn
from providers.services.common import actor_user, check_manage, merge
from shortbreaks import audit
from shortbreaks.accounts.enums import OrganisationKind
from shortbreaks.accounts.models import Organisation
from shortbreaks.errors import NotFound, PermissionDenied, ValidationFailed
from shortbreaks.permissions import Principal


def provider_values(data: ProviderIn) -> dict[str, Any]:
    place = locate(data.postcode)
    return {
        "name": data.name,
        "local_authority_id": data.local_authority_id,
        "description": data.description,
        "ofsted_urn": data.ofsted_urn,
        "address": data.address,
        "postcode": place.postcode,
        "latitude": place.latitude,
        "longitude": place.longitude,
        "contact_email": data.contact_email,
        "contact_phone": data.contact_phone,
        "website": data.website,
        "accessibility_mask": to_mask(data.accessibility),
        "languages": data.languages,
    }


def provider_input(provider: Provider) -> dict[str, Any]:
    """A provider as :class:`ProviderIn` data (to merge a partial update into)."""
    return {
        "name": provider.name,
        "local_authority_id": provider.local_authority_id,
        "description": provider.description,
        "ofsted_urn": provider.ofsted_urn,
        "address": provider.address,
        "postcode": provider.postcode,
        "contact_email": provider.contact_email,
        "contact_phone": provider.contact_phone,
        "website": provider.website,
        "accessibility": [a.value for a in provider.accessibility],
        "languages": list(provider.languages),
    }


async def _check_authority(local_authority_id: UUID) -> None:
    if not await Organisation.filter(id=local_authority_id, kind=OrganisationKind.LOCAL_AUTHORITY).exists():
        raise ValidationFailed.field("local_authority_id", "Choose a local authority")


async def create_provider(data: ProviderIn, *, organisation_id: UUID, actor: Principal | None, now: datetime) -> Provider:
    """Create a draft provider profile for an organisation; an officer of its authority publishes it."""
    if actor is not None and not permissions.can_create_provider_for(actor, organisation_id):
        raise PermissionDenied("You can only create a profile for your own organisation")
    values = provider_values(data)
    await _check_authority(data.local_authority_id)
    async with in_transaction() as conn:
        if await Provider.filter(organisation_id=organisation_id).using_db(conn).exists():
            raise ValidationFailed.field("organisation_id", "This organisation already has a provider profile")
        provider = await Provider.create(organisation_id=organisation_id, status=ProviderStatus.DRAFT, using_db=conn, **values)
        await audit.record(
            "providers.provider.created",
            actor=actor_user(actor),
            record_type="provider",
            record_id=provider.id,
            now=now,
            after={"name": provider.name},
            using_db=conn,
        )
    return provider


async def update_provider(provider: Provider, changes: dict[str, Any], *, actor: Principal | None, now: datetime) -> Provider:
    """Change a provider's profile (any fields of :class:`ProviderIn`; postcode re-located)."""
    check_manage(actor, provider)
    data: ProviderIn = merge(ProviderIn, provider_input(provider), changes)
    values = provider_values(data)
    if values["local_authority_id"] != provider.local_authority_id:
        await _check_authority(data.local_authority_id)
    async with in_transaction() as conn:
        before = provider_input(provider)
        await Provider.filter(id=provider.id).using_db(conn).update(**values, updated_at=now)
        if (values["address"], values["postcode"]) != (provider.address, provider.postcode):
            # The place changed: calendars must take the new LOCATION (RFC 5545 SEQUENCE rises).
            service_ids = await Service.filter(provider_id=provider.id).using_db(conn).values_list("id", flat=True)
            await (
                Session.filter(service_id__in=list(service_ids), starts_at__gte=now)
                .using_db(conn)
                .update(sequence=F("sequence") + 1, updated_at=now)
            )
        await audit.record(
            "providers.provider.updated",
            actor=actor_user(actor),
            record_type="provider",
            record_id=provider.id,
            now=now,
            before=before,
            after=data.model_dump(mode="json"),
            using_db=conn,
        )
    await provider.refresh_from_db()
    return provider


async def _set_status(
    provider: Provider, status: ProviderStatus, *, allowed_from: set[ProviderStatus], actor: Principal | None, now: datetime
) -> Provider:
    if actor is not None and not permissions.can_approve_provider(actor, local_authority_id=provider.local_authority_id):
        raise NotFound()
    if provider.status not in allowed_from:
        raise ProviderNotPublishable(f"A {provider.status.value} provider cannot be {status.value}")
    async with in_transaction() as conn:
        changed = (
            await Provider.filter(id=provider.id, status=provider.status)
            .using_db(conn)
            .update(status=status, published_at=now if status == ProviderStatus.PUBLISHED else provider.published_at, updated_at=now)
        )
        if not changed:
            raise ProviderNotPublishable("The provider changed while you were looking at it: reload and try again")
        await audit.record(
            f"providers.provider.{status.value}",
            actor=actor_user(actor),
            record_type="provider",
            record_id=provider.id,
            now=now,
            before={"status": provider.status},
            after={"status": status},
            using_db=conn,
        )
    await provider.refresh_from_db()
    return provider


async def submit_provider_for_review(provider: Provider, *, actor: Principal | None, now: datetime) -> Provider:
    """The provider's staff send a draft profile to the council: its officers see it waiting for approval.

    Sending it again changes nothing; a profile that is not a draft cannot be sent.
    """
    check_manage(actor, provider)
    if provider.status != ProviderStatus.DRAFT:
        raise ProviderNotPublishable(f"A {provider.status.value} provider is not waiting for review")
    if provider.submitted_for_review_at is not None:
        return provider
    async with in_transaction() as conn:
        changed = (
            await Provider.filter(id=provider.id, status=ProviderStatus.DRAFT, submitted_for_review_at__isnull=True)
            .using_db(conn)
            .update(submitted_for_review_at=now, updated_at=now)
        )
        if changed:
            await audit.record(
                "providers.provider.submitted_for_review",
                actor=actor_user(actor),
                record_type="provider",
                record_id=provider.id,
                now=now,
                before={"submitted_for_review_at": None},
                after={"submitted_for_review_at": now.isoformat()},
                using_db=conn,
            )
    await provider.refresh_from_db()
    return provider


async def publish_provider(provider: Provider, *, actor: Principal | None, now: datetime) -> Provider:
    """An officer of the provider's authority approves it: families and Open Referral UK can see it."""
    return await _set_status(
        provider, ProviderStatus.PUBLISHED, allowed_from={ProviderStatus.DRAFT, ProviderStatus.SUSPENDED}, actor=actor, now=now
    )


async def suspend_provider(provider: Provider, *, actor: Principal | None, now: datetime) -> Provider:
    """Hide a published provider from families and Open Referral UK; its sessions stay as they are."""
    return await _set_status(provider, ProviderStatus.SUSPENDED, allowed_from={ProviderStatus.PUBLISHED}, actor=actor, now=now)
