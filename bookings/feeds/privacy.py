"""Feeds in the core's privacy registry: a family's private calendar URLs."""

from __future__ import annotations

from bookings.feeds.models import FeedToken
from shortbreaks.privacy import Erasure, PersonalData, register

register(
    PersonalData(
        FeedToken,
        family="family_id",
        child="child_id",
        export=("id", "kind", "child_id", "created_at", "reset_at", "revoked_at"),
        erasure=Erasure.REVOKE,
        why="a family's private calendar URL (only its hash is kept); revoked at erasure so the URL stops at once",
    )
)
