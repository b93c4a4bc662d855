"""One module per API resource; each has a sync class and an async twin."""

from __future__ import annotations

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
