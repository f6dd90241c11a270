"""Calendar feed models: private feed tokens, providers' calendar imports and the sessions they block.

A ``FeedToken`` is one private feed URL. Only the SHA-256 of its token is stored; the token is
shown once, when the feed is created or reset. Resetting replaces the hash (the old URL stops
at once); revoking sets ``revoked_at``. A family feed covers all the family's children, or one
child (``child``); a provider feed covers one provider's sessions.

A ``CalendarImport`` is the URL of a provider's own calendar, fetched by a periodic job; each
``ImportBlock`` records a session the import marked blocked, so it can be unblocked when the
busy event goes away (and so blocks made by other means are never undone by an import).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint, UniqueConstraint
from tortoise.models import Model

from bookings.feeds.enums import FeedKind
from shortbreaks.models import TimestampedModel

if TYPE_CHECKING:
    from bookings.models import Child
    from providers.models import Provider, Session
    from shortbreaks.accounts.models import User


class FeedToken(TimestampedModel):
    """A private calendar feed URL: /feeds/f/TOKEN.ics (family) or /feeds/p/TOKEN.ics (provider)."""

    id = fields.UUIDField(primary_key=True)
    kind = fields.CharEnumField(FeedKind, max_length=10)
    token_hash = fields.CharField(max_length=64, unique=True)
    family: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "core.User", related_name="feed_tokens", null=True, on_delete=fields.CASCADE
    )
    family_id: UUID | None
    child: fields.ForeignKeyNullableRelation[Child] = fields.ForeignKeyField(
        "bookings.Child", related_name="feed_tokens", null=True, on_delete=fields.CASCADE
    )
    child_id: UUID | None
    provider: fields.ForeignKeyNullableRelation[Provider] = fields.ForeignKeyField(
        "providers.Provider", related_name="feed_tokens", null=True, on_delete=fields.CASCADE
    )
    provider_id: UUID | None
    reset_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "feeds_feedtoken"
        indexes = [("family_id", "revoked_at"), ("provider_id", "revoked_at")]
        constraints = [
            CheckConstraint(
                check="(kind = 'family' AND family_id IS NOT NULL AND provider_id IS NULL)"
                " OR (kind = 'provider' AND provider_id IS NOT NULL AND family_id IS NULL AND child_id IS NULL)",
                name="feeds_feedtoken_one_owner",
            )
        ]

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class CalendarImport(TimestampedModel):
    """A provider's own calendar (Google, Outlook, any iCalendar URL) whose busy times block sessions."""

    id = fields.UUIDField(primary_key=True)
    provider: fields.OneToOneRelation[Provider] = fields.OneToOneField(
        "providers.Provider", related_name="calendar_import", on_delete=fields.CASCADE
    )
    provider_id: UUID
    url = fields.CharField(max_length=2000)
    last_attempt_at = fields.DatetimeField(null=True)
    last_success_at = fields.DatetimeField(null=True)
    last_error_code = fields.CharField(max_length=40, default="")
    last_error = fields.CharField(max_length=300, default="")
    busy_count = fields.IntField(default=0)

    class Meta:
        table = "feeds_calendarimport"


class ImportBlock(Model):
    """A session an import blocked for new bookings (has_bookings flags it to the provider)."""

    id = fields.UUIDField(primary_key=True)
    calendar_import: fields.ForeignKeyRelation[CalendarImport] = fields.ForeignKeyField(
        "feeds.CalendarImport", related_name="blocks", on_delete=fields.CASCADE
    )
    calendar_import_id: UUID
    session: fields.ForeignKeyRelation[Session] = fields.ForeignKeyField(
        "providers.Session", related_name="import_blocks", on_delete=fields.CASCADE
    )
    session_id: UUID
    has_bookings = fields.BooleanField(default=False)
    created_at = fields.DatetimeField()

    class Meta:
        table = "feeds_importblock"
        constraints = [UniqueConstraint(fields=("calendar_import_id", "session_id"), name="feeds_importblock_once")]


class FeedState(Model):
    """When a feed's content last changed, for an exact ``Last-Modified``.

    ``key`` names the feed (``family:<token id>``, ``provider:<token id>``, ``service:<id>``);
    ``etag`` is the ETag a request last computed for it. When a request computes a different one,
    ``changed_at`` moves to now, or to one second after its previous value if that is later, so
    two changes never share an HTTP date. Holds no personal data.
    """

    key = fields.CharField(max_length=80, primary_key=True)
    etag = fields.CharField(max_length=80)
    changed_at = fields.DatetimeField()

    class Meta:
        table = "feeds_feedstate"
