"""Providers' models in the core's privacy registry: none holds personal data about families."""

from __future__ import annotations

from providers.models import Provider, Service
from shortbreaks.privacy import mark_not_personal

mark_not_personal(Provider, "an organisation's public contact details (address, email, phone) for the directory, not a person's")
mark_not_personal(Service, "a service's description; needs_mask is the needs it caters for, not a child's")
