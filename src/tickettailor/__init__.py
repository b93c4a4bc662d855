"""tickettailor: connect a Ticket Tailor box office to anything.

The public API is what ``__all__`` lists; everything under a leading underscore is
private and may change.

    from tickettailor import Client
    with Client() as tt:                      # key from TICKETTAILOR_API_KEY or a profile
        for order in tt.orders.list(created_gte="2026-11-01", limit=50):
            print(order.id, order.raw["total"])
"""

from __future__ import annotations

from tickettailor._client import AsyncClient, Client
from tickettailor._core.errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    BadRequestError,
    ConflictError,
    DateParseError,
    ForbiddenError,
    MalformedResponseError,
    NotFoundError,
    PaginationError,
    RateLimitError,
    ServerError,
    StateError,
    TicketTailorError,
    UsageError,
    WatchError,
    WebhookSignatureError,
)
from tickettailor._core.pagination import AsyncPager, Page, Pager
from tickettailor._core.transport import APIResponse
from tickettailor.models import (
    ActionResult,
    CheckIn,
    DeleteResult,
    Discount,
    Event,
    EventSeries,
    Hold,
    IssuedMembership,
    IssuedTicket,
    MembershipRedemption,
    MembershipType,
    Order,
    Overview,
    Product,
    TicketGroup,
    TicketType,
    TTModel,
    VoidResult,
    Voucher,
    VoucherCode,
    WaitlistSignup,
)

__version__ = "0.1.0"

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponse",
    "APIStatusError",
    "APITimeoutError",
    "ActionResult",
    "AsyncClient",
    "AsyncPager",
    "BadRequestError",
    "CheckIn",
    "Client",
    "ConflictError",
    "DateParseError",
    "DeleteResult",
    "Discount",
    "Event",
    "EventSeries",
    "ForbiddenError",
    "Hold",
    "IssuedMembership",
    "IssuedTicket",
    "MalformedResponseError",
    "MembershipRedemption",
    "MembershipType",
    "NotFoundError",
    "Order",
    "Overview",
    "Page",
    "Pager",
    "PaginationError",
    "Product",
    "RateLimitError",
    "ServerError",
    "StateError",
    "TTModel",
    "TicketGroup",
    "TicketTailorError",
    "TicketType",
    "UsageError",
    "VoidResult",
    "Voucher",
    "VoucherCode",
    "WaitlistSignup",
    "WatchError",
    "WebhookSignatureError",
    "__version__",
]
