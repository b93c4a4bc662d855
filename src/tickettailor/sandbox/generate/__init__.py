"""A deterministic, consistent box office: same (seed, box office number, anchor, sizes)
gives the same rows, byte for byte.

Consistency rules the tests check (tests/sandbox/test_generator.py):
- ids of every type rise with ``created_at``; several orders sometimes share a second;
- an order's line items sum to its subtotal (``total = value * quantity``), ``total =
  subtotal + tax``, one issued ticket per unit bought; cancelled orders have every
  ticket voided, ``refund_amount = total_paid`` and a ``status_message``;
- inventory ``issued`` = valid tickets of that (event, ticket type), ``held`` = held by
  holds; event ``total_issued`` / ``total_orders`` (completed orders) / revenue
  (sum of ``total_paid - refund_amount``) agree with the orders and tickets;
- check-ins only for valid tickets of past events, after the ticket was issued.
"""

# ruff: noqa: S608  (SQL text is built from internal table names only; values are bound parameters)
from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Callable
from itertools import accumulate
from typing import Any

from tickettailor.sandbox import names
from tickettailor.sandbox.dates import local_to_unix, zone
from tickettailor.sandbox.generate.basics import (
    B62_MOD,
    DAY,
    Ids,
    PlannedEvent,
    alnum,
    ascii_name,
    barcode,
    barcode_ticket,
    box_seed,
    hex_text,
)
from tickettailor.sandbox.generate.objects import extras, holds
from tickettailor.sandbox.schema import create_statements, index_statements

__all__ = ["barcode", "barcode_ticket", "generate"]


def _box(rng: random.Random, number: int, anchor: int) -> dict[str, Any]:
    name, currency, tz, symbol, tax = names.BOX_OFFICES[(rng.randrange(5) + number) % 5]
    slug = name.lower().replace(" ", "")
    return {
        "name": name,
        "slug": slug,
        "currency": currency,
        "timezone": tz,
        "symbol": symbol,
        "tax_percentage": tax,
        "store_id": 10_000 + rng.randrange(90_000),
        "payment_methods": [
            {
                "id": f"pm_{rng.randrange(10_000, 99_999)}",
                "external_id": "acct_1" + alnum(rng, 15),
                "instructions": None,
                "name": None,
                "type": "stripe",
            },
            {
                "id": f"pm_{rng.randrange(10_000, 99_999)}",
                "external_id": f"payments@{slug}.example",
                "instructions": None,
                "name": None,
                "type": "paypal",
            },
        ],
        "anchor": anchor,
        "town": {"eur": "Lisboa", "gbp": "London", "usd": "New York"}[currency],
        "postal_code": {"eur": "1100-148", "gbp": "E8 1DY", "usd": "10003"}[currency],
        "salt": rng.randrange(B62_MOD),
    }


def generate(
    conn: sqlite3.Connection,
    prefix: str,
    *,
    seed: int,
    number: int,
    anchor: int,
    orders: int,
    events: int,
) -> None:
    """Fill the tables of one box office (``prefix``) in ``conn``."""
    rng = random.Random(box_seed(seed, number))
    ids = Ids(rng, number)
    for stmt in create_statements(prefix):
        conn.execute(stmt)
    box = _box(rng, number, anchor)
    tz = box["timezone"]
    zone(tz)  # fail early on a missing time zone database

    n_events = max(1, events)
    n_series = max(1, (n_events + 2) // 3)
    # A draft series (no sales) when there is room for one.
    series_status = ["published"] * n_series
    if n_series >= 4:
        series_status[-1] = "draft"
    series_sets = [rng.randrange(len(names.TICKET_TYPE_SETS)) for _ in range(n_series)]
    series_venue = [rng.randrange(len(names.VENUES)) for _ in range(n_series)]
    evs: list[PlannedEvent] = []
    for i in range(n_events):
        s = i % n_series
        # Spread evenly over the last year and the next four months (with jitter), so
        # every box office has past events with check-ins and future ones on sale.
        day_offset = int(-365 + 485 * (i + 0.5) / n_events) + rng.randint(-7, 7)
        if series_status[s] == "draft":
            day_offset = abs(day_offset) + 10
        local_day = anchor + day_offset * DAY
        y, m, d = ymd(local_day)
        start = local_to_unix(y, m, d, rng.choice((18, 19, 20, 21)), rng.choice((0, 30)), tz)
        end = start + rng.choice((2, 3, 4)) * 3600
        created = start - rng.randint(20, 120) * DAY - rng.randrange(DAY)
        created = min(created, anchor - rng.randint(1, 5) * DAY - rng.randrange(DAY))
        status = "draft" if series_status[s] == "draft" else "published"
        evs.append(PlannedEvent(i, s, created, start, end, status))
    series_created = [
        min(e.created_at for e in evs if e.series == s) - rng.randint(1, 10) * DAY
        for s in range(n_series)
    ]
    # Ids follow creation time.
    series_ids = [0] * n_series
    tts: list[list[tuple[int, str, int, int]]] = [[] for _ in range(n_series)]
    tt_rows = []
    for s in sorted(range(n_series), key=lambda s: series_created[s]):
        series_ids[s] = ids.take("es", 1_650_000)
        for j, (tname, price, fee) in enumerate(names.TICKET_TYPE_SETS[series_sets[s]]):
            tid = ids.take("tt", 5_010_000)
            tts[s].append((tid, tname, price, fee))
            tt_rows.append(
                (tid, series_ids[s], tname, price, fee, 10000 + j, 20, 1, "GA", "on_sale", 0)
            )
    for e in sorted(evs, key=lambda e: e.created_at):
        e.id = ids.take("ev", 5_940_000)

    # ---- orders ---------------------------------------------------------------
    sellable = [e for e in evs if e.status == "published" and e.created_at + 3600 < anchor]
    windows = [(e.created_at + 3600, min(e.start, anchor)) for e in sellable]
    pop = [rng.uniform(0.3, 3.0) * (hi - lo) for e, (lo, hi) in zip(sellable, windows, strict=True)]
    checkin_pending: list[tuple[int, int, int]] = []
    stats = {e.id: [0, 0, 0] for e in evs}  # completed orders, valid tickets, revenue cents
    issued: dict[tuple[int, int], int] = {}

    # Generated rows fill only the columns that cannot be derived (the api modules derive
    # the rest: series from the event, subtotal and tax from the items, holder from
    # the buyer, barcode from the id), which halves the cost of a million orders.
    def flush(order_rows: list[tuple[Any, ...]], ticket_rows: list[tuple[Any, ...]]) -> None:
        conn.executemany(
            f"INSERT INTO {prefix}orders(id, created_at, event_id, status, first_name, "
            "last_name, email, referral_tag, txn_id, pay, total, refund_amount, "
            "status_message, items) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            order_rows,
        )
        conn.executemany(
            f"INSERT INTO {prefix}tickets(id, order_id, event_id, tt_id, created_at, "
            "updated_at, voided_at, status, checked_in) VALUES (?,?,?,?,?,?,?,?,?)",
            ticket_rows,
        )

    if sellable and orders > 0:
        cum = list(accumulate(pop))
        picks = rng.choices(range(len(sellable)), cum_weights=cum, k=orders)
        rand = rng.random
        times = [windows[p][0] + int(rand() * (windows[p][1] - windows[p][0])) for p in picks]
        planned = sorted(zip(times, picks, strict=True))
        del times, picks
        sales(
            rng, ids, box, planned, sellable, tts, anchor, flush, checkin_pending, stats,
            issued,
        )  # fmt: skip
        del planned

    # ---- inventory and holds --------------------------------------------------
    inventory: dict[tuple[int, int], list[int]] = {}
    for e in evs:
        future = e.start > anchor
        for tid, _n, _p, _f in tts[e.series]:
            sold = issued.get((e.id, tid), 0)
            if future:
                extra = 0 if rng.random() < 0.1 else rng.randint(5, 60 + sold // 2)
            else:
                extra = rng.randint(0, 20 + sold // 4)
            baskets = rng.randint(0, 2) if future and extra >= 2 else 0
            inventory[(e.id, tid)] = [sold + extra, sold, 0, baskets]
    objects: list[tuple[Any, ...]] = []
    holds(rng, ids, evs, tts, inventory, anchor, objects)
    extras(rng, ids, box, evs, series_ids, series_created, tts, anchor, objects)

    # ---- write ---------------------------------------------------------------
    p = prefix
    conn.executemany(
        f"INSERT INTO {p}box VALUES (?, ?)", [(k, json.dumps(v)) for k, v in box.items()]
    )
    conn.executemany(
        f"INSERT INTO {p}series VALUES (?,?,?,?,?,?)",
        [
            (
                series_ids[s],
                series_created[s],
                series_status[s],
                names.SERIES_NAMES[(s + number) % len(names.SERIES_NAMES)]
                + ("" if s < len(names.SERIES_NAMES) else f" {s // len(names.SERIES_NAMES) + 1}"),
                json.dumps(names.VENUES[series_venue[s]]),
                json.dumps({"set": series_sets[s]}),
            )
            for s in range(n_series)
        ],
    )
    # A series' default ticket type shows the capacity an occurrence starts with.
    capacity: dict[int, int] = {}
    for (_ev, tt), inv in inventory.items():
        capacity[tt] = max(capacity.get(tt, 0), inv[0])
    tt_rows = [(*row[:-1], capacity.get(row[0], 0)) for row in tt_rows]
    conn.executemany(f"INSERT INTO {p}ticket_types VALUES (?,?,?,?,?,?,?,?,?,?,?)", tt_rows)
    holds_per_event: dict[int, int] = {}
    for (ev_id, _t), inv in inventory.items():
        holds_per_event[ev_id] = holds_per_event.get(ev_id, 0) + inv[2]
    conn.executemany(
        f"INSERT INTO {p}events VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [
            (
                e.id, series_ids[e.series], e.created_at, e.start, e.end, e.status, "false",
                None, stats[e.id][0], stats[e.id][1], holds_per_event.get(e.id, 0),
                stats[e.id][2], hex_text(rng, 4),
            )
            for e in evs
        ],
    )  # fmt: skip
    conn.executemany(
        f"INSERT INTO {p}inventory VALUES (?,?,?,?,?,?)",
        [(ev, tt, *vals) for (ev, tt), vals in inventory.items()],
    )
    checkin_pending.sort()
    ch_next = 9_000_000 + number * 40_000_000
    checkin_rows = []
    for at, ev, tk in checkin_pending:
        checkin_rows.append((ch_next, at, at - tk % 4, ev, tk))
        ch_next += 1 if tk % 10 else 2
    ids.next["ch"] = ch_next
    conn.executemany(
        f"INSERT INTO {p}check_ins(id, created_at, check_in_at, event_id, ticket_id) "
        "VALUES (?,?,?,?,?)",
        checkin_rows,
    )
    conn.executemany(f"INSERT INTO {p}objects VALUES (?,?,?,?,?,?,?,?)", objects)
    for stmt in index_statements(prefix):
        conn.execute(stmt)
    conn.execute(f"INSERT INTO {p}box VALUES ('next_ids', ?)", (json.dumps(ids.next),))


def ymd(unix: int) -> tuple[int, int, int]:
    import datetime as _dt

    d = _dt.datetime.fromtimestamp(unix, _dt.UTC)
    return d.year, d.month, d.day


def sales(
    rng: random.Random,
    ids: Ids,
    box: dict[str, Any],
    planned: list[tuple[int, int]],
    sellable: list[PlannedEvent],
    tts: list[list[tuple[int, str, int, int]]],
    anchor: int,
    flush: Callable[[list[tuple[Any, ...]], list[tuple[Any, ...]]], None],
    checkins: list[tuple[int, int, int]],
    stats: dict[int, list[int]],
    issued: dict[tuple[int, int], int],
) -> None:
    """The hot loop: one pass over the planned orders in time order, handing rows to
    ``flush`` in chunks (a million orders never sit in memory at once)."""
    rand = rng.random
    bits = rng.getrandbits
    first, last = names.FIRST_NAMES, names.LAST_NAMES
    domains, referrals = names.EMAIL_DOMAINS, names.REFERRALS
    n_ref = len(referrals)
    ascii_first = [ascii_name(n) for n in first]
    ascii_last = [ascii_name(n) for n in last]
    pool = max(10, len(planned) // 3)  # repeat buyers share an identity
    tax_rate = (box["tax_percentage"] or 0) / 100
    nf, nl = len(first), len(last)
    o_next = 73_000_000 + ids.number * 40_000_000
    li_next = 116_000_000 + ids.number * 40_000_000
    it_next = 89_000_000 + ids.number * 40_000_000
    # Per event, everything the loop needs, looked up once.
    per_event = []
    sold: dict[int, dict[int, int]] = {}
    for e in sellable:
        sold[e.id] = {}
        per_event.append((
            e.id, e.created_at + 3600, min(e.end, anchor), e.end <= anchor, e.start,
            tts[e.series], len(tts[e.series]), stats[e.id], sold[e.id],
        ))  # fmt: skip
    order_rows: list[tuple[Any, ...]] = []
    ticket_rows: list[tuple[Any, ...]] = []
    add_order, add_ticket, add_checkin = order_rows.append, ticket_rows.append, checkins.append
    prev_t = 0
    for t, pick in planned:
        eid, opens, end_of_sales, past, start, types, n_types, st, sold_here = per_event[pick]
        if rand() < 0.05 and opens <= prev_t <= t:
            t = prev_t  # a burst: several orders in the same second
        prev_t = t
        oid = o_next
        r = rand()
        o_next += 1 if r < 0.9 else 2
        if r > 0.95:
            it_next += 1  # ids are global sequences: other box offices take some
        person = int(rand() * pool)
        fi, li = person % nf, (person // nf) % nl
        email = f"{ascii_first[fi]}.{ascii_last[li]}{person}@{domains[person % 5]}"
        if n_types > 1 and rand() < 0.15:
            chosen = rng.sample(types, 2)
        else:
            chosen = [types[int(rand() * n_types)]]
        items = []
        subtotal = face = 0
        units: list[int] = []
        for tid, _tname, price, fee in chosen:
            r = rand()
            qty = 1 if r < 0.5 else 2 if r < 0.8 else 3 if r < 0.92 else 4
            items.append(f"{li_next}:{tid}:{qty}:{price}:{fee}")
            li_next += 1
            subtotal += (price + fee) * qty
            face += price * qty
            units += [tid] * qty
        total = subtotal + round(face * tax_rate)
        cancelled = rand() < 0.04
        if total == 0:
            pay, txn = -1, "--"
        elif rand() < 0.8:
            pay, txn = 0, f"pi_3{bits(92):023x}"
        else:
            pay, txn = 1, f"{bits(68):017X}"
        refund = 0
        cancel_at = 0
        message = None
        if cancelled:
            refund = total
            cancel_at = t + 3600 + int(rand() * max(0, end_of_sales - t - 3600))
            cancel_at = max(t, min(cancel_at, anchor))
            message = f"{names.CANCEL_REASONS[int(rand() * 4)]} (by {names.STAFF[int(rand() * 4)]})"
        else:
            st[0] += 1
        add_order((
            oid, t, eid, "cancelled" if cancelled else "completed", first[fi], last[li],
            email, referrals[int(rand() * n_ref)], txn, pay, total, refund, message,
            ";".join(items),
        ))  # fmt: skip
        st[2] += total - refund
        valid = 0
        for tid in units:
            itid = it_next
            it_next += 1
            if cancelled or rand() < 0.005:
                voided_at = cancel_at or max(
                    t, min(anchor, t + 60 + int(rand() * max(0, end_of_sales - t - 60)))
                )
                add_ticket((itid, oid, eid, tid, t, voided_at, voided_at, "voided", 0))
                continue
            sold_here[tid] = sold_here.get(tid, 0) + 1
            valid += 1
            if past and rand() < 0.7:
                at = max(t + 60, start - 1800 + int(rand() * 5400))
                add_checkin((at, eid, itid))
                add_ticket((itid, oid, eid, tid, t, at, None, "valid", 1))
            else:
                add_ticket((itid, oid, eid, tid, t, t, None, "valid", 0))
        st[1] += valid
        if len(order_rows) >= 20_000:
            flush(order_rows, ticket_rows)
            order_rows, ticket_rows = [], []
            add_order, add_ticket = order_rows.append, ticket_rows.append
    flush(order_rows, ticket_rows)
    for event_id, counts in sold.items():
        for tid, n in counts.items():
            issued[(event_id, tid)] = n
    ids.next["or"] = o_next
    ids.next["li"] = li_next
    ids.next["it"] = it_next
