"""Newest first, in few requests, from an API that only lists oldest first.

The API walks a list from its oldest record. To show the newest five orders without
walking the whole history, ``created_at`` is cut into windows from the upper end
backwards: each window is fetched (oldest first, as the API lists) and given out
reversed, then the next window below it. Windows are sized to fit in one page: a
window that needs more than one page is narrowed from the density its first page
shows, and an empty one makes the next one wider. The lower end is the ``gte``
bound, or the oldest record's time: one request, made only after two empty windows in
a row (so a shop whose last sale was a week ago still costs two requests).

``NewestPlan`` is the pure part (tested by tables); ``NewestPager`` and
``AsyncNewestPager`` are the loops, with the interface of ``Pager``/``AsyncPager``.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterator
from typing import Any, TypeVar

from tickettailor._core.pagination import (
    MAX_PAGE_SIZE,
    AsyncPager,
    Backfill,
    Page,
    Pager,
    Pairs,
    Walk,
    _first_created,
    _parse_records,
    _window_params,
)

__all__ = ["AsyncNewestPager", "NewestPager", "NewestPlan"]

T = TypeVar("T")
FIRST_SPAN = 86_400  # the first window: the last day
TARGET = MAX_PAGE_SIZE // 2  # records a window is sized for, so it fits one page
GROWTH = 8  # how much wider the next window is after an empty one


class NewestPlan:
    """Which ``[gte, lt)`` window to fetch next, walking backwards from ``lt``."""

    def __init__(self, gte: int | None, lt: int, limit: int | None) -> None:
        self.floor = gte
        self.floor_known = gte is not None
        self.high = lt
        self.span = FIRST_SPAN
        self.limit = limit
        self.given = 0
        self.empty = 0  # empty windows in a row

    @property
    def wanted(self) -> int | None:
        return None if self.limit is None else max(0, self.limit - self.given)

    def window(self) -> tuple[int, int] | None:
        """The next window, or None when the walk is over."""
        if self.wanted == 0 or (self.floor_known and self.floor is None):
            return None
        floor = self.floor if self.floor is not None else 0  # no record before 1970
        if self.high <= floor:
            return None
        return max(self.high - self.span, floor), self.high

    def narrow(self, first_page: list[dict[str, Any]], param: str) -> bool:
        """The window needs more than one page: narrow it to the records' density.
        False when it cannot be narrowed (one second holds them all)."""
        if self.span <= 1:
            return False
        times = [_first_created(record, param) for record in first_page]
        seconds = max(1, max(times) - min(times) + 1) if times else self.span
        density = len(first_page) / seconds
        self.span = max(1, min(self.span // 2, int(TARGET / density)))
        return True

    def took(self, window: tuple[int, int], count: int) -> None:
        """The window gave ``count`` records: move below it and size the next one."""
        self.high = window[0]
        self.given += count
        self.empty = 0 if count else self.empty + 1
        seconds = window[1] - window[0]
        if count == 0:
            self.span = seconds * GROWTH
        else:
            self.span = max(1, min(seconds * GROWTH, int(seconds * TARGET / count)))

    @property
    def needs_floor(self) -> bool:
        """Whether to look up the oldest record's time before the next window: once
        two windows in a row were empty, it tells whether any record is left below."""
        return not self.floor_known and self.empty >= 2

    def set_floor(self, oldest: int | None) -> None:
        """The oldest record's time (None: there are no records at all)."""
        self.floor, self.floor_known = oldest, True


class _Windows:
    """What the sync and async pagers share: the walk of one window, and what a
    fetched window gives."""

    _path: str
    _params: Pairs
    _backfill: Backfill | None

    @property
    def _range(self) -> Backfill:
        assert self._backfill is not None  # always given to the newest pagers
        return self._backfill

    def _walk(self, window: tuple[int, int]) -> tuple[Walk, tuple[str, Pairs]]:
        walk = Walk(self._path, _window_params(self._params, self._range, window))
        step = walk.next_request()
        assert step is not None  # a fresh walk without a limit has a first page
        return walk, step

    def _narrowed(self, plan: NewestPlan, records: list[dict[str, Any]], more: bool) -> bool:
        return more and plan.narrow(records, self._range.param)

    def _unbounded(self) -> Backfill:
        """The range without its lower end, to look up the oldest record."""
        return Backfill(self._range.param, None, self._range.lt, 1)


def _give(plan: NewestPlan, window: tuple[int, int], records: list[dict[str, Any]]) -> list[Any]:
    """The window's records newest first, cut to what is still wanted."""
    out = list(reversed(records))[: plan.wanted]
    plan.took(window, len(out))
    return out


class NewestPager(_Windows, Pager[T]):
    """Records newest first (see the module's docstring); iterate, or ``.pages()``.
    ``backfill`` is the ``created_at`` range."""

    def __repr__(self) -> str:
        return f"NewestPager({self._path!r}, limit={self._limit!r})"

    def _window(self, window: tuple[int, int], plan: NewestPlan) -> list[dict[str, Any]] | None:
        """The window's records, oldest first; None when it was narrowed instead."""
        walk, step = self._walk(window)
        records, cursor, _ = walk.feed(self._fetch(*step))
        if self._narrowed(plan, records, cursor is not None):
            return None
        while (more := walk.next_request()) is not None:
            records += walk.feed(self._fetch(*more))[0]
        return records

    def pages(self) -> Iterator[Page[T]]:
        """One page per window, each newest first."""
        plan = NewestPlan(self._range.gte, self._range.lt, self._limit)
        while (window := plan.window()) is not None:
            records = self._window(window, plan)
            if records is None:
                continue
            if out := _give(plan, window, records):
                yield Page(_parse_records(self._parse, out), None)
            if plan.needs_floor and plan.wanted != 0:
                plan.set_floor(self._lower_bound(self._unbounded()))


class AsyncNewestPager(_Windows, AsyncPager[T]):
    """``NewestPager`` for asyncio."""

    def __repr__(self) -> str:
        return f"AsyncNewestPager({self._path!r}, limit={self._limit!r})"

    async def _window(
        self, window: tuple[int, int], plan: NewestPlan
    ) -> list[dict[str, Any]] | None:
        walk, step = self._walk(window)
        records, cursor, _ = walk.feed(await self._fetch(*step))
        if self._narrowed(plan, records, cursor is not None):
            return None
        while (more := walk.next_request()) is not None:
            records += walk.feed(await self._fetch(*more))[0]
        return records

    async def pages(self) -> AsyncGenerator[Page[T], None]:
        plan = NewestPlan(self._range.gte, self._range.lt, self._limit)
        while (window := plan.window()) is not None:
            records = await self._window(window, plan)
            if records is None:
                continue
            if out := _give(plan, window, records):
                yield Page(_parse_records(self._parse, out), None)
            if plan.needs_floor and plan.wanted != 0:
                plan.set_floor(await self._lower_bound(self._unbounded()))
