"""The pure parts of change detection (tickettailor.dlt.changes), table-tested."""

from __future__ import annotations

from typing import Any

from tickettailor.dlt.changes import (
    DAY,
    LIVE_IDS_PER_REQUEST,
    EventBook,
    HashBook,
    VoidMark,
    advance_live,
    advance_sweep,
    canonical_json,
    content_hash,
    live_event_ids,
    next_live,
    plan_sweep,
    start_live,
    sweep_runs,
)


def test_canonical_json_ignores_key_order_and_whitespace_not_content() -> None:
    a = {"id": "or_1", "total": 100, "buyer": {"name": "Zoë", "email": "z@x"}}
    b = {"buyer": {"email": "z@x", "name": "Zoë"}, "total": 100, "id": "or_1"}
    assert canonical_json(a) == canonical_json(b)
    assert (
        canonical_json(a)
        == '{"buyer":{"email":"z@x","name":"Zoë"},"id":"or_1","total":100}'.encode()
    )
    assert content_hash(a) == content_hash(b)
    assert content_hash(a) != content_hash({**a, "total": 90})
    assert len(content_hash(a)) == 16


def test_hash_book_reports_new_and_changed_records_once() -> None:
    state: dict[str, Any] = {}
    book = HashBook(state)
    order = {"id": "or_1", "created_at": 10 * DAY + 5, "status": "completed"}
    assert book.update(order) is True  # never seen
    assert book.update(dict(order)) is False  # same content
    assert book.update({**order, "status": "cancelled"}) is True  # changed
    assert book.known(order)
    assert len(book) == 1
    assert state == {"days": {"10": {"or_1": content_hash({**order, "status": "cancelled"})}}}


def test_hash_book_prunes_whole_days_before_the_window() -> None:
    book = HashBook({})
    for day in (8, 9, 10):
        book.update({"id": f"or_{day}", "created_at": day * DAY + 100})
    book.update({"id": "ev_1"})  # no created_at: kept for ever
    book.prune(9 * DAY + 50)  # day 9 still partly inside
    assert sorted(book.days) == ["-", "10", "9"]


def test_sweep_waits_for_a_first_load_then_walks_its_window_in_budgeted_runs() -> None:
    progress: dict[str, Any] = {}
    assert plan_sweep(progress, now=1000, newest=None, window=500, budget=2) is None
    assert plan_sweep(progress, now=1000, newest=990, window=0, budget=2) is None
    plan = plan_sweep(progress, now=1000, newest=990, window=500, budget=2)
    assert plan is not None
    assert (plan.gte, plan.lt, plan.after, plan.pages) == (500, 990, None, 2)
    advance_sweep(progress, last_id="or_200", finished=False)
    # The next run carries on where this one stopped, in the same round's range.
    plan = plan_sweep(progress, now=1100, newest=1090, window=500, budget=2)
    assert plan is not None
    assert (plan.gte, plan.lt, plan.after) == (500, 990, "or_200")
    advance_sweep(progress, last_id="or_250", finished=True)
    assert progress["last_round_runs"] == 2
    plan = plan_sweep(progress, now=1200, newest=1190, window=500, budget=2)
    assert plan is not None
    assert (plan.gte, plan.lt, plan.after) == (700, 1190, None)


def test_sweep_runs() -> None:
    assert sweep_runs(0, 10) == 1
    assert sweep_runs(1000, 10) == 1
    assert sweep_runs(1001, 10) == 2
    assert sweep_runs(100_000, 10) == 100


def test_void_mark_primes_silently_then_reports_each_void_once() -> None:
    state: dict[str, Any] = {}
    mark = VoidMark(state)
    old = [{"id": "it_1", "voided_at": 100}, {"id": "it_2", "voided_at": 90}]
    assert mark.news(old) == []  # the first scan: those were just loaded whole
    assert mark.primed
    assert state == {"at": 100, "ids": ["it_1"]}
    same_second = {"id": "it_3", "voided_at": 100}
    later = {"id": "it_4", "voided_at": 150}
    assert mark.news([*old, same_second, later]) == [same_second, later]
    assert mark.news([*old, same_second, later]) == []
    assert VoidMark({}).news([]) == []
    assert VoidMark({"at": None}).primed is False


def test_live_events_are_those_ending_after_now_or_with_no_known_end() -> None:
    events = [
        {"id": "ev_1", "end": {"unix": 100}},
        {"id": "ev_2", "end": {"unix": 101}},
        {"id": "ev_3", "end": None},
    ]
    assert live_event_ids(events, 100) == ["ev_2", "ev_3"]


def test_live_part_walks_events_in_chunks_and_pages_then_ends() -> None:
    progress: dict[str, Any] = {}
    assert next_live(progress) is None  # not begun
    events = [f"ev_{n}" for n in range(LIVE_IDS_PER_REQUEST + 1)]
    start_live(progress, events, before=500)
    ask = next_live(progress)
    assert ask is not None
    assert (len(ask.event_ids), ask.before, ask.after) == (LIVE_IDS_PER_REQUEST, 500, None)
    advance_live(progress, last_id="or_9", more=True)  # a full page: its next page
    ask = next_live(progress)
    assert ask is not None
    assert (ask.event_ids[0], ask.after) == ("ev_0", "or_9")
    advance_live(progress, last_id="or_12", more=False)  # the next chunk of events
    ask = next_live(progress)
    assert ask is not None
    assert (ask.event_ids, ask.after) == ([events[-1]], None)
    advance_live(progress, last_id=None, more=False)
    assert next_live(progress) is None


def test_event_book_buckets_by_event_and_drops_ended_events() -> None:
    state: dict[str, Any] = {}
    book = EventBook(state)
    order = {"id": "or_1", "created_at": 5, "event_summary": {"id": "ev_1"}}
    assert book.update(order) is True
    assert book.update(dict(order)) is False
    book.update({"id": "or_2", "created_at": 5, "event_summary": {"id": "ev_2"}})
    book.keep(["ev_2"])
    assert sorted(state["days"]) == ["ev_2"]
    assert book.update(order) is True  # its event ended, then came back: compared anew
