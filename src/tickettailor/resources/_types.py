"""Keyword-argument types shared by the resources (``**kwargs: Unpack[...]``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import TypedDict

from tickettailor._core.dates import DateInput

__all__ = ["CreatedFilters", "DateInput", "DayInput", "IdList", "Paging", "TimeOfDay"]

IdList = str | Sequence[str]  # one id, or several (sent as the API's comma list)
DayInput = date | datetime | str  # a calendar day, sent as YYYY-MM-DD
TimeOfDay = time | str  # a time of day, sent as HH:MM:SS


class Paging(TypedDict, total=False):
    """Paging keywords of every list call."""

    limit: int | None
    """The total number of records wanted (not a page size)."""
    starting_after: str | None
    """Continue after this id."""


class CreatedFilters(Paging, total=False):
    """Paging plus the ``created_at`` filters (``created_gte="-7d"``...)."""

    created_at: DateInput
    """An instant, or a bare date meaning that whole day."""
    created_gt: DateInput
    """Only records created after this instant (a bare date means that whole day)."""
    created_gte: DateInput
    """Only records created at or after this instant (a bare date means that whole day)."""
    created_lt: DateInput
    """Only records created before this instant (a bare date means that whole day)."""
    created_lte: DateInput
    """Only records created at or before this instant (a bare date means that whole day)."""
    concurrency: int | None
    """Above 1: fetch the created_at range in windows, K at a time."""
    newest_first: bool
    """Walk created_at backwards: the newest records in few requests."""
