"""Waitlist signups, which live under their event series: list and delete."""

from __future__ import annotations

from typing import Unpack

from tickettailor.models import DeleteResult, WaitlistSignup
from tickettailor.resources._base import (
    AsyncResource,
    Call,
    Listing,
    ListSpec,
    Resource,
    SyncResource,
    build_list,
    endpoint,
    lister,
    seg,
)
from tickettailor.resources._types import Paging

__all__ = ["AsyncWaitlistSignups", "WaitlistSignups"]

LIST = ListSpec("/event_series/{event_series_id}/waitlist_signups")


def _list_path(event_series_id: str) -> str:
    return f"/event_series/{seg(event_series_id, 'event series id')}/waitlist_signups"


def _delete_path(event_series_id: str, waitlist_signup_id: str) -> str:
    # The API spells this one path in the singular.
    series = seg(event_series_id, "event series id")
    return f"/event_series/{series}/waitlist_signup/{seg(waitlist_signup_id)}"


class _WaitlistSignups(Resource):
    @lister
    def list(self, event_series_id: str, **filters: Unpack[Paging]) -> Listing[WaitlistSignup]:
        """Waitlist signups across all pages (lazy, oldest first); filters as keywords."""
        path = _list_path(event_series_id)
        return self._list(WaitlistSignup, build_list(LIST, filters, tz=self._tz, path=path))

    @endpoint
    def delete(self, event_series_id: str, waitlist_signup_id: str) -> Call[DeleteResult]:
        """Delete a waitlist signup (``DeleteResult``)."""
        path = _delete_path(event_series_id, waitlist_signup_id)
        return self._call("DELETE", path, DeleteResult)


class WaitlistSignups(_WaitlistSignups, SyncResource):
    """WaitlistSignups, blocking."""


class AsyncWaitlistSignups(_WaitlistSignups, AsyncResource):
    """WaitlistSignups, for asyncio."""
