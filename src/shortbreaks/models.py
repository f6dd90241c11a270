"""Core models that are not accounts: the audit log and the outboxes."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class TimestampedModel(Model):
    """``created_at`` and ``updated_at`` on every model that has them (DESIGN: every model carries both)."""

    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        abstract = True


class AuditEvent(Model):
    """An append-only record of one state change. Triggers in the migrations refuse UPDATE and DELETE."""

    id = fields.BigIntField(primary_key=True)
    created_at = fields.DatetimeField()
    actor_id = fields.UUIDField(null=True)
    actor_label = fields.CharField(max_length=100, default="")
    action = fields.CharField(max_length=100)
    record_type = fields.CharField(max_length=60)
    record_id = fields.CharField(max_length=64)
    before: fields.Field[dict | None] = fields.JSONField(null=True)
    after: fields.Field[dict | None] = fields.JSONField(null=True)
    request_id = fields.CharField(max_length=64, default="")

    class Meta:
        table = "core_auditevent"
        indexes = [("record_type", "record_id"), ("action", "created_at"), ("actor_id", "created_at")]


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    LOGGED = "logged"
    FAILED = "failed"


class OutboxMessage(Model):
    """An email written in the same transaction as the change it reports. A job delivers it."""

    id = fields.UUIDField(primary_key=True)
    # One message per event: e.g. ``booking-confirmed:<booking id>``.
    dedupe_key = fields.CharField(max_length=200, unique=True)
    to_email = fields.CharField(max_length=254)
    subject = fields.CharField(max_length=200)
    body = fields.TextField()
    status = fields.CharEnumField(OutboxStatus, max_length=10, default=OutboxStatus.PENDING)
    attempts = fields.IntField(default=0)
    last_error = fields.CharField(max_length=500, default="")
    created_at = fields.DatetimeField()
    claimed_at = fields.DatetimeField(null=True)
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "core_outboxmessage"
        indexes = [("status", "created_at")]


class JobOutbox(Model):
    """A job that could not be put on Redis when it was enqueued. A sweeper in the app moves it to Redis once Redis answers.

    Holds only the job's name and its keyword arguments (ids, never personal data).
    """

    id = fields.UUIDField(primary_key=True)
    function = fields.CharField(max_length=100)
    # The arq job id the job will have on Redis: the caller's, or ``outbox:<id>`` so a second flush is a no-op.
    job_id = fields.CharField(max_length=200, unique=True)
    kwargs: fields.Field[dict] = fields.JSONField(default=dict)
    run_after = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    claimed_at = fields.DatetimeField(null=True)
    attempts = fields.IntField(default=0)
    last_error = fields.CharField(max_length=200, default="")

    class Meta:
        table = "core_joboutbox"
        indexes = [("created_at",)]
