"""The re-check's budget, its sweep time, and the two other ways changes are found.

The API has no changed-since filter on orders or events, so a watch with ``updates``
finds changes three ways besides webhooks:

- **The re-check** (``Watch._recheck`` in the engine): orders created within
  ``recheck_window`` are re-listed page by page and compared by content hash. Its pages
  are paid from a token bucket filled at ``recheck_budget`` of the API's rate budget
  (``RATE_PER_SECOND``: the server sends 10,000 requests per 1,800 s), at most
  ``RECHECK_PAGES`` pages a cycle; the bucket is kept in the state, so a restart does
  not get a fresh one. Every ``recheck_full_every`` seconds it also re-lists the
  orders created *before* the window of every event that has not ended yet
  (``recheck_live_events``: ``/v1/events?end_at.gt=now``, then
  ``/v1/orders?event_id=...&created_at.lt=<window start>``), from the same bucket.
  ``sweep_time`` says how long a full sweep takes at that pace.
- **The void scan** (``scan_voids``): every ``void_every`` seconds the orders watch
  lists the tickets voided since its last scan (``status=voided``, ``updated_at``), and
  re-reads each order with a newly voided ticket, one request per order. Which voids
  were handled is kept with the orders they changed, in one transaction.
- **The event re-list** (``relist_events``): events are few and have no time filter
  that matters for changes (an old event may be moved), so all of them are re-listed
  every ``recheck_every`` seconds, paid from the same bucket.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from tickettailor._core.errors import MalformedResponseError
from tickettailor.watch.source import PageWalk

if TYPE_CHECKING:
    from tickettailor.watch.engine import CycleReport, Watch
    from tickettailor.watch.store import Store as StateStore
    from tickettailor.watch.triggers import Stream

__all__ = [
    "RATE_PER_SECOND",
    "RECHECK_BUDGET",
    "SweepTime",
    "allowed_pages",
    "live_pages",
    "recheck_live_events",
    "relist_events",
    "scan_voids",
    "spend_pages",
    "sweep_time",
]

RATE_PER_SECOND = 10_000 / 1_800  # the API's rate budget as its servers send it (reference T25)
RECHECK_BUDGET = 0.10  # share of that budget the re-checks may spend (Watch.recheck_budget)
_BUCKET = "recheck:budget"  # status entry: {"tokens", "at"}
_VOIDS = (
    "changes:voids"  # status entry of the orders watch's void scan: {"mark", "done_at", "cursor"}
)
_EVENTS = "changes:events"  # status entry of the event re-list: {"done_at", "cursor"}
_TICKETS = "/v1/issued_tickets"
_PAGE = "100"


def _load(store: StateStore, key: str) -> dict[str, Any]:
    text = store.status_value(key)
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        value = {}
    return value if isinstance(value, dict) else {}


def allowed_pages(watch: Watch) -> int:
    """How many pages the re-check's budget allows now (``spend_pages`` pays them)."""
    return int(_tokens(watch))


def spend_pages(watch: Watch, pages: int) -> None:
    """Pay for the pages read: the bucket keeps what is left, and since when."""
    left = _tokens(watch) - pages
    watch._store().set_status(_BUCKET, json.dumps({"tokens": left, "at": watch.clock()}))


def _tokens(watch: Watch) -> float:
    """The bucket now: refilled at ``recheck_budget`` of the rate, at most a cycle's cap."""
    now, cap = watch.clock(), float(watch.recheck_pages)
    saved = _load(watch._store(), _BUCKET)
    at = float(saved.get("at", now))
    tokens = float(saved.get("tokens", cap))
    return min(cap, tokens + max(0.0, now - at) * RATE_PER_SECOND * watch.recheck_budget)


# -- how long a sweep takes ---------------------------------------------------------


class SweepTime:
    """What ``watch status`` says about the re-check of an orders watch."""

    def __init__(self, records: int, pages: int, seconds: float, budget: float) -> None:
        self.records = records  # orders known in the window
        self.pages = pages  # pages one full sweep reads
        self.seconds = seconds  # a change is seen within this long
        self.budget = budget

    def sentence(self) -> str:
        per_hour = RATE_PER_SECOND * self.budget * 3600
        return (
            f"a change is seen within ~{_minutes(self.seconds)} (a full re-check of "
            f"{self.records} orders reads {self.pages} pages; budget "
            f"{self.budget:.0%}, at most {per_hour:.0f} requests/h)"
        )


def sweep_time(
    store: StateStore,
    *,
    window: float,
    budget: float,
    full_every: float,
    pages_per_cycle: int,
    now: float,
) -> SweepTime:
    """A full sweep's pages over the pace the budget allows; a change waits at most
    for the next sweep to start and to reach it."""
    records = store.count_records("order.created", int(now - window))
    # ... plus what the last re-list of the live events' older orders read
    pages = max(1, math.ceil(records / int(_PAGE))) + live_pages(store)
    pace = RATE_PER_SECOND * budget
    # At least one cycle a minute is assumed for the per-cycle cap (the CLI's default).
    pace = min(pace, pages_per_cycle / 60.0) if pace > 0 else 0.0
    took = pages / pace if pace > 0 else float("inf")
    return SweepTime(records, pages, max(full_every, took) + took, budget)


def _minutes(seconds: float) -> str:
    if seconds == float("inf"):
        return "never (the re-check is off)"
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


# -- the void scan of an orders watch -----------------------------------------------


def scan_voids(watch: Watch, stream: Stream, report: CycleReport) -> None:
    """List tickets voided since the last scan; re-read each order with a newly voided
    ticket and store what changed, marking those voids handled in the same transaction.
    """
    store, now = watch._store(), watch.clock()
    saved = _load(store, _VOIDS)
    if "mark" not in saved:  # a new state: voids from now on (the sweep covers the past)
        store.set_status(_VOIDS, json.dumps({"mark": int(now), "done_at": now}))
        return
    if not saved.get("cursor") and 0 <= now - float(saved.get("done_at", 0)) < watch.void_every:
        return
    mark, cursor, top = int(saved["mark"]), saved.get("cursor"), int(saved["mark"])
    since = mark - watch.lookback
    params = {"status": "voided", "updated_at.gte": str(since)}
    pages = PageWalk(watch.source, _TICKETS, params, "updated_at", cursor=cursor)
    while True:
        tickets, more = pages.next_page()
        report.requests += 1
        # The API documents no updated_at filter here: checked on our side too.
        voided = [t for t in tickets if t.get("status") == "voided" and t["updated_at"] >= since]
        top = max([top, *(int(t["updated_at"]) for t in voided)])
        _reread(watch, stream, report, voided)
        cursor = tickets[-1]["id"] if more else None
        if cursor is None:
            break
        store.set_status(_VOIDS, json.dumps({**saved, "cursor": cursor, "top": top}))
    top = max(top, int(saved.get("top", top)))
    store.set_status(_VOIDS, json.dumps({"mark": top, "done_at": now}))


def _reread(
    watch: Watch, stream: Stream, report: CycleReport, tickets: list[dict[str, Any]]
) -> None:
    """Re-read the orders of the tickets whose void is new; one request per order."""
    store = watch._store()
    marks = [(str(t["id"]), f"void:{t['updated_at']}") for t in tickets]
    new = set(store.unseen(marks))
    orders = sorted({str(t["order_id"]) for t, m in zip(tickets, marks, strict=True) if m in new})
    main = store.positions()[stream.name]
    records = []
    for order_id in orders:
        record = watch.source.get_page(f"{watch.trigger.path}/{order_id}", {})
        report.requests += 1
        if not isinstance(record, dict) or not isinstance(record.get(stream.ts_field), int):
            raise MalformedResponseError(f"re-reading order {order_id} gave no order record")
        if watch._wanted(stream, main, record):
            records.append(watch._stored(stream, record))
    _store(watch, stream, report, records, seen=sorted(new))


def _store(
    watch: Watch,
    stream: Stream,
    report: CycleReport,
    records: list[Any],
    seen: Sequence[tuple[str, str]] = (),
) -> None:
    """Store records (creations or changes), the main position unchanged."""
    store = watch._store()
    if not records and not seen:
        return
    before = store.changes_stored
    main = store.positions()[stream.name]
    new = store.store_page(records, main, [s.name for s in watch.sinks], seen=seen)
    report.updated += store.changes_stored - before
    report.stored += new
    report.fetched += len(records)


# -- the event re-list ----------------------------------------------------------------


def relist_events(watch: Watch, stream: Stream, report: CycleReport) -> None:
    """Re-list every event (paid from the budget), comparing content hashes."""
    store, now = watch._store(), watch.clock()
    saved = _load(store, _EVENTS)
    cursor = saved.get("cursor")
    if "done_at" not in saved and not cursor:  # a new state: its first scan read them all
        store.set_status(_EVENTS, json.dumps({"done_at": now}))
        return
    if not cursor and 0 <= now - float(saved.get("done_at", 0)) < watch.recheck_every:
        return
    pages = allowed_pages(watch)
    walk = PageWalk(watch.source, watch.trigger.path, {}, stream.ts_field, cursor=cursor)
    for page in range(1, pages + 1):
        records, more = walk.next_page()
        report.requests += 1
        main = store.positions()[stream.name]
        wanted = [watch._stored(stream, r) for r in records if watch._wanted(stream, main, r)]
        _store(watch, stream, report, wanted)
        cursor = records[-1]["id"] if more else None
        store.set_status(_EVENTS, json.dumps({"cursor": cursor} if cursor else {"done_at": now}))
        if cursor is None or page == pages:
            spend_pages(watch, page)
            return


# -- the orders of events that have not ended, created before the window -------------

_LIVE = "changes:live"  # status entry: {"done_at", "pages"} or a sweep in progress
_EVENTS_PATH = "/v1/events"
_IDS_PER_PAGE = 50  # event ids per orders request (the API takes a comma list)


def recheck_live_events(watch: Watch, stream: Stream, report: CycleReport) -> None:
    """Re-list the orders of every event that has not ended yet that were created
    before ``recheck_window`` (the window's own sweep covers the newer ones): a refund
    of a ticket bought months ago for next week's show is still seen.

    Runs every ``recheck_full_every`` seconds, paid from the re-check's bucket (the
    live events' list first, then ``event_id=...&created_at.lt=<window start>`` page
    by page); its progress is kept in the state after each page, so a restart resumes.
    """
    if watch.recheck_window == 0:
        return
    store, now = watch._store(), watch.clock()
    saved = _load(store, _LIVE)
    if not saved:  # a new state: its first scan read all it wants to know
        store.set_status(_LIVE, json.dumps({"done_at": now, "pages": 0}))
        return
    left = allowed_pages(watch)
    fresh = "events" not in saved
    if left < 1 or (fresh and 0 <= now - float(saved["done_at"]) < watch.recheck_full_every):
        return
    spent = 0
    if fresh:
        events, spent = _live_events(watch, now)
        report.requests += spent
        saved = {"events": events, "before": int(now - watch.recheck_window), "begun": now}
        saved.update(cursor=None, pages=spent)
    spent += _live_orders(watch, stream, report, saved, left - spent)
    spend_pages(watch, spent)
    if not saved["events"]:
        store.set_status(_LIVE, json.dumps({"done_at": saved["begun"], "pages": saved["pages"]}))


def _live_events(watch: Watch, now: float) -> tuple[list[str], int]:
    """The ids of the events that end after ``now``, and the pages that took."""
    params = {"end_at.gt": str(int(now))}
    walk = PageWalk(watch.source, _EVENTS_PATH, params, "created_at", cursor=None)
    ids, read, more = [], 0, True
    while more:
        events, more = walk.next_page()
        read += 1
        # Checked on our side too: a server that ignores the filter costs pages only.
        ids += [str(e["id"]) for e in events if _ends(e) > now]
    return ids, read


def _ends(event: dict[str, Any]) -> float:
    end = event.get("end")
    unix = end.get("unix") if isinstance(end, dict) else None
    return float(unix) if isinstance(unix, int) else float("inf")  # unknown: assume live


def _live_orders(
    watch: Watch, stream: Stream, report: CycleReport, saved: dict[str, Any], pages: int
) -> int:
    """Up to ``pages`` pages of the live events' older orders; ``saved`` moves on."""
    store, before, read = watch._store(), int(saved["before"]), 0
    while saved["events"] and read < pages:
        chunk = saved["events"][:_IDS_PER_PAGE]
        params = {"event_id": ",".join(chunk), f"{stream.time_filter}.lt": str(before)}
        walk = PageWalk(
            watch.source, watch.trigger.path, params, stream.ts_field, cursor=saved["cursor"]
        )
        records, more = walk.next_page()
        read += 1
        report.requests += 1
        main = store.positions()[stream.name]
        wanted = [
            watch._stored(stream, r)
            for r in records
            if r[stream.ts_field] < before and watch._wanted(stream, main, r)
        ]
        _store(watch, stream, report, wanted)
        saved["cursor"] = records[-1]["id"] if more else None
        if not more:
            saved["events"] = saved["events"][_IDS_PER_PAGE:]
        saved["pages"] = int(saved["pages"]) + 1
        store.set_status(_LIVE, json.dumps(saved))
    return read


def live_pages(store: StateStore) -> int:
    """Pages the last re-list of the live events' older orders read (0: none yet)."""
    return int(_load(store, _LIVE).get("pages", 0))


# -- what `watch status` says --------------------------------------------------------

_SETTINGS = "changes:settings"  # status entry: the re-check's settings, for `watch status`


def note_settings(watch: Watch) -> None:
    """Keep the re-check's settings in the state, for ``watch status``."""
    settings = {
        "updates": watch.updates,
        "window": watch.recheck_window,
        "budget": watch.recheck_budget,
        "full_every": watch.recheck_full_every,
        "pages": watch.recheck_pages,
        "voids_every": watch.void_every,
    }
    text = json.dumps(settings, sort_keys=True)
    if watch._store().status_value(_SETTINGS) != text:
        watch._store().set_status(_SETTINGS, text)


def describe(store: StateStore, now: float) -> str | None:
    """``watch status``'s line about changes of an orders or events watch, or None."""
    saved = _load(store, _SETTINGS)
    if not saved:
        return None
    if not saved.get("updates"):
        return "changes are not watched (--no-updates)"
    if store.resource == "events":
        return "changes of events are seen at the next re-list (every --recheck-every)"
    if store.resource == "issued-tickets":
        voids = (
            _minutes(float(saved.get("voids_every", 0))) if saved.get("voids_every") else "1 cycle"
        )
        return (
            f"a void is seen within ~{voids} (the void scan); other changes of tickets "
            "created within --recheck-window at the next full re-check (hourly)"
        )
    if store.resource != "orders" or not saved.get("window"):
        return None
    return sweep_time(
        store,
        window=float(saved["window"]),
        budget=float(saved["budget"]),
        full_every=float(saved["full_every"]),
        pages_per_cycle=int(saved["pages"]),
        now=now,
    ).sentence()
