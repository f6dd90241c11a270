"""The domain packages, in dependency order, and how the core finds their parts.

The core imports domain packages only here and in its composition roots
(``app.py``, ``db.py``, ``jobs.py``, ``cli.py``, ``demo.py``). Each package may provide:

- ``models`` (required) and ``migrations/``;
- ``api.routes`` (the JSON API and other machine-read endpoints) and ``pages.routes`` (HTML pages):
  lists of routes made with :mod:`shortbreaks.routing`;
- ``jobs.functions`` and ``jobs.cron_jobs``;
- ``navigation.items``: :class:`shortbreaks.navigation.NavItem` entries for the header;
- ``marks.session_marks``: what the signed-in person has to do with a lower package's listed
  sessions ("Booked", "On the waiting list"; :mod:`shortbreaks.marks`);
- ``demo.load(ctx)``: adds the package's part of the demo data set;
- ``constraints.CONSTRAINTS``: what a violation of each named constraint its migrations create
  means (:mod:`shortbreaks.constraints`).
"""

from __future__ import annotations

import importlib
from types import ModuleType

DOMAIN_PACKAGES: tuple[str, ...] = ("providers", "bookings", "bookings.payments", "bookings.feeds", "entitlements", "grants")

# Tortoise app label of each domain package: each has its own migrations chain, so
# sub-packages (payments, feeds) can change their tables without renumbering bookings'.
APP_LABELS: dict[str, str] = {
    "providers": "providers",
    "bookings": "bookings",
    "bookings.payments": "payments",
    "bookings.feeds": "feeds",
    "entitlements": "entitlements",
    "grants": "grants",
}

# Where a package's routes live, in the order the app tries them.
ROUTE_MODULES: tuple[str, ...] = ("api", "pages")

CORE_MODEL_MODULES: tuple[str, ...] = ("shortbreaks.accounts.models", "shortbreaks.models")

# The core's named constraints (each domain package declares its own in ``<package>.constraints``).
CORE_CONSTRAINT_MODULES: tuple[str, ...] = ("shortbreaks.accounts.constraints",)


def optional_module(package: str, name: str) -> ModuleType | None:
    """Import ``package.name`` if the package has it; errors inside it still raise."""
    qualified = f"{package}.{name}"
    try:
        return importlib.import_module(qualified)
    except ModuleNotFoundError as exc:
        if exc.name == qualified:
            return None
        raise
