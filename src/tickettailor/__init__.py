"""tickettailor: connect a Ticket Tailor box office to anything.

The public API is what ``__all__`` lists, plus the modules ``tickettailor.profiles``
(saved connections), ``tickettailor.dates`` (the dates people type),
``tickettailor.redact`` (keeping secrets out of text) and ``tickettailor.watch``;
everything under a leading underscore is private and may change.

    from tickettailor import Client
    with Client() as tt:                      # key from TICKETTAILOR_API_KEY or a profile
        for order in tt.orders.list(created_gte="2026-11-01", limit=50):
            print(order.id, order.raw["total"])
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tickettailor._core.lazy_names import lazy_names

if TYPE_CHECKING:
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
        MissingKeyError,
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
    from tickettailor.watch import Watch

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
    "MissingKeyError",
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
    "Watch",
    "WatchError",
    "WebhookSignatureError",
    "__version__",
]


# The names above are imported on first use (PEP 562), not with the package: the client
# pulls in httpx2 and pydantic, which a command printing its --help never needs.
_LAZY: dict[str, str] = {
    "APIConnectionError": "tickettailor._core.errors",
    "APIError": "tickettailor._core.errors",
    "APIResponse": "tickettailor._core.transport",
    "APIStatusError": "tickettailor._core.errors",
    "APITimeoutError": "tickettailor._core.errors",
    "ActionResult": "tickettailor.models",
    "AsyncClient": "tickettailor._client",
    "AsyncPager": "tickettailor._core.pagination",
    "BadRequestError": "tickettailor._core.errors",
    "CheckIn": "tickettailor.models",
    "Client": "tickettailor._client",
    "ConflictError": "tickettailor._core.errors",
    "DateParseError": "tickettailor._core.errors",
    "DeleteResult": "tickettailor.models",
    "Discount": "tickettailor.models",
    "Event": "tickettailor.models",
    "EventSeries": "tickettailor.models",
    "ForbiddenError": "tickettailor._core.errors",
    "Hold": "tickettailor.models",
    "IssuedMembership": "tickettailor.models",
    "IssuedTicket": "tickettailor.models",
    "MalformedResponseError": "tickettailor._core.errors",
    "MembershipRedemption": "tickettailor.models",
    "MembershipType": "tickettailor.models",
    "MissingKeyError": "tickettailor._core.errors",
    "NotFoundError": "tickettailor._core.errors",
    "Order": "tickettailor.models",
    "Overview": "tickettailor.models",
    "Page": "tickettailor._core.pagination",
    "Pager": "tickettailor._core.pagination",
    "PaginationError": "tickettailor._core.errors",
    "Product": "tickettailor.models",
    "RateLimitError": "tickettailor._core.errors",
    "ServerError": "tickettailor._core.errors",
    "StateError": "tickettailor._core.errors",
    "TTModel": "tickettailor.models",
    "TicketGroup": "tickettailor.models",
    "TicketTailorError": "tickettailor._core.errors",
    "TicketType": "tickettailor.models",
    "UsageError": "tickettailor._core.errors",
    "VoidResult": "tickettailor.models",
    "Voucher": "tickettailor.models",
    "VoucherCode": "tickettailor.models",
    "WaitlistSignup": "tickettailor.models",
    "Watch": "tickettailor.watch",
    "WatchError": "tickettailor._core.errors",
    "WebhookSignatureError": "tickettailor._core.errors",
}


# The interpreter only: mypy reads the imports above (see ``_core.lazy_names``).
if not TYPE_CHECKING:
    __getattr__, __dir__ = lazy_names(__name__, _LAZY, globals())
