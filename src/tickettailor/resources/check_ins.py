"""Check-ins: list, and check a ticket in (or out).

There is no check-in webhook: poll this list to see them.
"""

from __future__ import annotations

from typing import Unpack

from tickettailor.models import CheckIn
from tickettailor.resources._base import (
    AsyncResource,
    Call,
    Listing,
    ListSpec,
    Resource,
    SyncResource,
    build_form,
    build_list,
    endpoint,
    lister,
    seg,
)
from tickettailor.resources._types import DateInput, IdList, Paging

__all__ = ["AsyncCheckIns", "CheckInFilters", "CheckIns"]


class CheckInFilters(Paging, total=False):
    """Filters of ``check_ins.list()``; every one optional."""

    event_id: IdList
    """Only check-ins at these events (one id or several)."""
    event_series_id: IdList
    """Only these event series (one id or several)."""
    issued_ticket_id: IdList
    """Only these issued tickets (one id or several)."""


LIST = ListSpec("/check_ins", filters=("event_id", "event_series_id", "issued_ticket_id"))


def _form(
    issued_ticket_id: str,
    quantity: int,
    check_in_at: DateInput | None,
    local_unique_id: str | None,
    tz: str | None,
) -> dict[str, object]:
    seg(issued_ticket_id, "issued ticket id")
    fields = {
        "issued_ticket_id": issued_ticket_id,
        "quantity": quantity,
        "check_in_at": check_in_at,
        "local_unique_id": local_unique_id,
    }
    return build_form(fields, time_fields=("check_in_at",), tz=tz)


class _CheckIns(Resource):
    @lister
    def list(self, **filters: Unpack[CheckInFilters]) -> Listing[CheckIn]:
        """Check-ins across all pages (lazy, oldest first); filters as keywords."""
        return self._list(CheckIn, build_list(LIST, filters, tz=self._tz))

    @endpoint
    def create(
        self,
        issued_ticket_id: str,
        *,
        quantity: int = 1,
        check_in_at: DateInput | None = None,
        local_unique_id: str | None = None,
    ) -> Call[CheckIn]:
        """Check in (``quantity=1``) or out (``-1``). With ``local_unique_id`` the API
        records a repeated call once, so it is retried after failures like a GET."""
        data = _form(issued_ticket_id, quantity, check_in_at, local_unique_id, self._tz)
        return self._call(
            "POST", "/check_ins", CheckIn, data=data, idempotent=local_unique_id is not None
        )


class CheckIns(_CheckIns, SyncResource):
    """CheckIns, blocking."""


class AsyncCheckIns(_CheckIns, AsyncResource):
    """CheckIns, for asyncio."""
