"""Header navigation by role: the core's items and each package's ``navigation.items``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from shortbreaks.domains import DOMAIN_PACKAGES, optional_module
from shortbreaks.permissions import SIGNED_IN, SITE_ADMIN, Permission, Principal


@dataclass(frozen=True)
class NavItem:
    label: str
    route_name: str
    permission: Permission
    order: int = 50
    # Hide from signed-in users holding none of these roles even if the permission lets admins through.
    hide_for_admin: bool = False
    # What waits for the user there (a provider's requests to decide), shown after the label when not 0.
    count: Callable[[Principal], Awaitable[int]] | None = None


CORE_ITEMS = [
    NavItem("Your account", "accounts:account", SIGNED_IN, order=90),
    NavItem("Administration", "accounts:admin", SITE_ADMIN, order=95),
]


def all_items() -> list[NavItem]:
    items = list(CORE_ITEMS)
    for package in DOMAIN_PACKAGES:
        module = optional_module(package, "navigation")
        if module is not None:
            items.extend(module.items)
    return sorted(items, key=lambda item: item.order)


def items_for(principal: Principal | None, items: list[NavItem]) -> list[NavItem]:
    if principal is None:
        return []
    visible = []
    for item in items:
        if not item.permission.allows(principal):
            continue
        if item.permission.roles and not principal.has_role(*item.permission.roles) and item.hide_for_admin:
            continue
        visible.append(item)
    return visible


async def counts_for(principal: Principal | None, items: list[NavItem]) -> dict[str, int]:
    """The visible items' counts, by route name (one small query each, only for items that have one)."""
    counts = {}
    for item in items_for(principal, items):
        if item.count is not None and principal is not None:
            counts[item.route_name] = await item.count(principal)
    return counts
