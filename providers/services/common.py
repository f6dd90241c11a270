"""What the directory's use cases share: validating a partial update against the whole schema,
the record-level permission re-check, and the audit actor."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from providers import permissions
from providers.models import Provider
from shortbreaks.errors import FieldError, NotFound, ValidationFailed
from shortbreaks.messages import describe_all
from shortbreaks.permissions import Principal


def actor_user(actor: Principal | None) -> Any:
    return actor.user if actor is not None else None


def merge(model: type[BaseModel], current: dict[str, Any], changes: dict[str, Any]) -> Any:
    """Validate ``current`` with ``changes`` applied as a whole ``model`` (so cross-field rules hold on a partial update)."""
    unknown = sorted(set(changes) - set(model.model_fields) - {"from"})
    if unknown:
        raise ValidationFailed(errors=[FieldError(name, "Unknown field") for name in unknown])
    try:
        return model.model_validate({**current, **changes})
    except ValidationError as exc:
        # In people's words, naming the field (the pages and the API show the same messages).
        raise ValidationFailed(errors=describe_all(exc, schema=model, values={**current, **changes})) from None


def check_manage(actor: Principal | None, provider: Provider) -> None:
    if actor is not None and not permissions.can_manage_provider(
        actor, organisation_id=provider.organisation_id, local_authority_id=provider.local_authority_id
    ):
        raise NotFound()
