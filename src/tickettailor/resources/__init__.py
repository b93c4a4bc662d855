"""One module per API resource; each has a sync class and an async twin.

The names below are imported on first use (a client imports a resource's module when
the resource is first used), so a program reading orders builds no other models.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tickettailor._core.lazy_names import lazy_names

if TYPE_CHECKING:
    from tickettailor.resources.check_ins import AsyncCheckIns, CheckIns
    from tickettailor.resources.discounts import AsyncDiscounts, Discounts
    from tickettailor.resources.event_series import AsyncEventSeriesResource, EventSeriesResource
    from tickettailor.resources.events import AsyncEvents, Events
    from tickettailor.resources.holds import AsyncHolds, Holds
    from tickettailor.resources.issued_tickets import AsyncIssuedTickets, IssuedTickets
    from tickettailor.resources.memberships import (
        AsyncIssuedMemberships,
        AsyncMembershipRedemptions,
        AsyncMembershipTypes,
        IssuedMemberships,
        MembershipRedemptions,
        MembershipTypes,
    )
    from tickettailor.resources.orders import AsyncOrders, Orders
    from tickettailor.resources.products import AsyncProducts, Products
    from tickettailor.resources.vouchers import AsyncVouchers, Vouchers
    from tickettailor.resources.waitlist_signups import AsyncWaitlistSignups, WaitlistSignups

__all__ = [
    "AsyncCheckIns",
    "AsyncDiscounts",
    "AsyncEventSeriesResource",
    "AsyncEvents",
    "AsyncHolds",
    "AsyncIssuedMemberships",
    "AsyncIssuedTickets",
    "AsyncMembershipRedemptions",
    "AsyncMembershipTypes",
    "AsyncOrders",
    "AsyncProducts",
    "AsyncVouchers",
    "AsyncWaitlistSignups",
    "CheckIns",
    "Discounts",
    "EventSeriesResource",
    "Events",
    "Holds",
    "IssuedMemberships",
    "IssuedTickets",
    "MembershipRedemptions",
    "MembershipTypes",
    "Orders",
    "Products",
    "Vouchers",
    "WaitlistSignups",
]

_LAZY = {
    "AsyncCheckIns": "tickettailor.resources.check_ins",
    "AsyncDiscounts": "tickettailor.resources.discounts",
    "AsyncEventSeriesResource": "tickettailor.resources.event_series",
    "AsyncEvents": "tickettailor.resources.events",
    "AsyncHolds": "tickettailor.resources.holds",
    "AsyncIssuedMemberships": "tickettailor.resources.memberships",
    "AsyncIssuedTickets": "tickettailor.resources.issued_tickets",
    "AsyncMembershipRedemptions": "tickettailor.resources.memberships",
    "AsyncMembershipTypes": "tickettailor.resources.memberships",
    "AsyncOrders": "tickettailor.resources.orders",
    "AsyncProducts": "tickettailor.resources.products",
    "AsyncVouchers": "tickettailor.resources.vouchers",
    "AsyncWaitlistSignups": "tickettailor.resources.waitlist_signups",
    "CheckIns": "tickettailor.resources.check_ins",
    "Discounts": "tickettailor.resources.discounts",
    "EventSeriesResource": "tickettailor.resources.event_series",
    "Events": "tickettailor.resources.events",
    "Holds": "tickettailor.resources.holds",
    "IssuedMemberships": "tickettailor.resources.memberships",
    "IssuedTickets": "tickettailor.resources.issued_tickets",
    "MembershipRedemptions": "tickettailor.resources.memberships",
    "MembershipTypes": "tickettailor.resources.memberships",
    "Orders": "tickettailor.resources.orders",
    "Products": "tickettailor.resources.products",
    "Vouchers": "tickettailor.resources.vouchers",
    "WaitlistSignups": "tickettailor.resources.waitlist_signups",
}


# The interpreter only: mypy reads the imports above (see ``_core.lazy_names``).
if not TYPE_CHECKING:
    __getattr__, __dir__ = lazy_names(__name__, _LAZY, globals())
