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

import base64
import hashlib
import json
import random
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from tickettailor.sandbox import names
from tickettailor.sandbox.dates import local_to_unix, zone
from tickettailor.sandbox.schema import create_statements, index_statements

DAY = 86400
_B62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_B62_MOD = 62**6
_B62_MUL = 1_580_030_173  # coprime with 62, so barcode() is a bijection on ids < 62**6


def box_seed(seed: int, number: int) -> int:
    digest = hashlib.sha256(f"tickettailor-sandbox:{seed}:{number}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


_B62_3: list[str] = []  # every 3-character base-62 string, built on first use
_B62_INDEX = {c: i for i, c in enumerate(_B62)}
_B62_INV = pow(_B62_MUL, -1, _B62_MOD)


def barcode(ticket_id: int, salt: int) -> str:
    """Six letters and digits, a bijection of the ticket id: generated tickets store no
    barcode (a million tickets, no column, no index) and a barcode filter inverts it."""
    if not _B62_3:
        _B62_3.extend(a + b + c for a in _B62 for b in _B62 for c in _B62)
    n = (ticket_id * _B62_MUL + salt) % _B62_MOD
    high, low = divmod(n, 238_328)
    return _B62_3[high] + _B62_3[low]


def barcode_ticket(code: str, salt: int) -> int | None:
    """The ticket id whose derived barcode is ``code`` (None if it cannot be one)."""
    if len(code) != 6 or any(c not in _B62_INDEX for c in code):
        return None
    n = 0
    for c in code:
        n = n * 62 + _B62_INDEX[c]
    return ((n - salt) * _B62_INV) % _B62_MOD


_TOKEN_TABLE = bytes.maketrans(b"+/", b"Xq")


def _token(rng: random.Random, n: int) -> str:
    """``n`` random letters and digits, fast (the hot loop makes a million of these)."""
    raw = base64.b64encode(rng.randbytes((n * 3 + 3) // 4)).translate(_TOKEN_TABLE)
    return raw[:n].decode()


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def _alnum(rng: random.Random, n: int, alphabet: str = _B62) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


class _Ids:
    """Per-type rising ids with small gaps (real ids are global sequences)."""

    def __init__(self, rng: random.Random, number: int) -> None:
        self.rng = rng
        self.next: dict[str, int] = {}
        self.number = number

    def take(self, kind: str, base: int) -> int:
        current = self.next.get(kind, base + self.number * 40_000_000)
        step = 1 if self.rng.random() < 0.9 else 2
        self.next[kind] = current + step
        return current


@dataclass
class _Event:
    index: int
    series: int  # index into series list
    created_at: int
    start: int
    end: int
    status: str
    id: int = 0


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
                "external_id": "acct_1" + _alnum(rng, 15),
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
        "salt": rng.randrange(_B62_MOD),
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
    ids = _Ids(rng, number)
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
    evs: list[_Event] = []
    for i in range(n_events):
        s = i % n_series
        # Spread evenly over the last year and the next four months (with jitter), so
        # every box office has past events with check-ins and future ones on sale.
        day_offset = int(-365 + 485 * (i + 0.5) / n_events) + rng.randint(-7, 7)
        if series_status[s] == "draft":
            day_offset = abs(day_offset) + 10
        local_day = anchor + day_offset * DAY
        y, m, d = _ymd(local_day)
        start = local_to_unix(y, m, d, rng.choice((18, 19, 20, 21)), rng.choice((0, 30)), tz)
        end = start + rng.choice((2, 3, 4)) * 3600
        created = start - rng.randint(20, 120) * DAY - rng.randrange(DAY)
        created = min(created, anchor - rng.randint(1, 5) * DAY - rng.randrange(DAY))
        status = "draft" if series_status[s] == "draft" else "published"
        evs.append(_Event(i, s, created, start, end, status))
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

    # Generated rows fill only the columns that cannot be derived (render.py derives
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
        _sales(
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
    _holds(rng, ids, evs, tts, inventory, anchor, objects)
    _extras(rng, ids, box, evs, series_ids, series_created, tts, anchor, objects)

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
                stats[e.id][2], _hex(rng, 4),
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


def _ymd(unix: int) -> tuple[int, int, int]:
    import datetime as _dt

    d = _dt.datetime.fromtimestamp(unix, _dt.UTC)
    return d.year, d.month, d.day


def _sales(
    rng: random.Random,
    ids: _Ids,
    box: dict[str, Any],
    planned: list[tuple[int, int]],
    sellable: list[_Event],
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
    ascii_first = [_ascii(n) for n in first]
    ascii_last = [_ascii(n) for n in last]
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


def _ascii(name: str) -> str:
    import unicodedata

    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(c for c in plain.lower() if c.isalnum())


def _holds(
    rng: random.Random,
    ids: _Ids,
    evs: list[_Event],
    tts: list[list[tuple[int, str, int, int]]],
    inventory: dict[tuple[int, int], list[int]],
    anchor: int,
    objects: list[tuple[Any, ...]],
) -> None:
    planned: list[tuple[int, int, int, int, str]] = []
    for e in evs:
        # The first upcoming event always has a hold, so every box office shows one.
        if e.start > anchor and (not planned or rng.random() < 0.4):
            tid = tts[e.series][0][0]
            inv = inventory[(e.id, tid)]
            free = inv[0] - inv[1] - inv[3] - inv[2]
            qty = min(free, rng.randint(1, 4))
            if qty > 0:
                inv[2] += qty
                at = rng.randint(e.created_at + 60, anchor - 60)
                note = rng.choice(("Reserved for press", "Band guest list", "Sponsor's seats"))
                planned.append((at, e.id, tid, qty, note))
    for at, ev_id, tid, qty, note in sorted(planned):
        hid = ids.take("ho", 100_600)
        body = {
            "note": note,
            "quantities": [{"ticket_type_id": f"tt_{tid}", "quantity": qty}],
            "total_on_hold": qty,
        }
        objects.append(("hold", hid, at, at, None, ev_id, None, json.dumps(body)))


def _extras(
    rng: random.Random,
    ids: _Ids,
    box: dict[str, Any],
    evs: list[_Event],
    series_ids: list[int],
    series_created: list[int],
    tts: list[list[tuple[int, str, int, int]]],
    anchor: int,
    objects: list[tuple[Any, ...]],
) -> None:
    """Discounts, vouchers and codes, products, memberships, waitlist signups."""
    tz = box["timezone"]
    start = min(series_created)
    planned: list[tuple[int, str, dict[str, Any], int | None, int | None, str | None]] = []

    def when() -> int:
        return rng.randint(start, anchor - 60)

    all_tts = [t[0] for group in tts for t in group]
    for i in range(rng.randint(4, 10)):
        fixed = rng.random() < 0.6
        code = f"{rng.choice(('SAVE', 'FRIENDS', 'EARLY', 'PRESS'))}{10 + i}"
        scoped = rng.sample(all_tts, min(len(all_tts), rng.randint(0, 2)))
        expires = anchor + rng.randint(10, 200) * DAY if rng.random() < 0.5 else None
        planned.append((when(), "discount", {
            "booking_fee_amount": 0 if fixed else None,
            "booking_fee_percentage": None,
            "code": code,
            "expires": {"$date": expires, "$tz": tz} if expires else None,
            "face_value_amount": rng.choice((200, 300, 500)) if fixed else None,
            "face_value_percentage": None if fixed else rng.choice((10, 15, 25)),
            "max_redemptions": rng.choice((None, 10, 50, 100)),
            "name": f"{code.title()} offer",
            "products": [],
            "ticket_types": [f"tt_{t}" for t in sorted(scoped)],
            "times_redeemed": rng.randint(0, 9),
            "type": "fixed_amount" if fixed else "percentage",
        }, None, None, code))  # fmt: skip
    for _ in range(rng.randint(2, 4)):
        gift = rng.random() < 0.5
        n_codes = rng.randint(1, 12)
        expiry = anchor + rng.randint(30, 365) * DAY
        planned.append((when(), "voucher", {
            "available_codes": n_codes,
            "currency": box["currency"],
            "event_series_ids": [],
            "expiry": {"$date": expiry, "$tz": tz},
            "name": "Gift card" if gift else "Promo vouchers",
            "partial_redemption": "true" if gift else "false",
            "total_codes": n_codes,
            "type": "GIFT_CARD" if gift else "PROMO",
            "usable_on_any_event": "true",
            "value": rng.choice((1000, 2500, 5000)),
        }, None, None, None))  # fmt: skip
    for k in range(rng.randint(1, 3)):
        planned.append((when(), "product", {
            "booking_fee": 0,
            "currency": box["currency"].upper(),
            "description": ("Programme", "Tote bag", "Season pass")[k],
            "event_series_ids": None,
            "fulfilment_reference_id": None,
            "fulfilment_type": "NONE",
            "image": None,
            "instructions": None,
            "issued_count": rng.randint(0, 40),
            "linked_to_all_event_series": "true",
            "name": ("Programme", "Tote bag", "Season pass")[k],
            "price": (500, 1200, 9900)[k],
            "quantity": rng.randint(50, 200),
            "quantity_per_event_occurrence": None,
            "sell_in_store": rng.choice(("true", "false")),
            "status": "ON_SALE",
            "variant": None,
        }, None, None, None))  # fmt: skip
    for k in range(rng.randint(1, 2)):
        valid_to = anchor + rng.randint(60, 300) * DAY
        planned.append((when(), "membership_type", {
            "conditions_and_benefits": [],
            "max_redemptions": rng.choice((None, 8, 12)),
            "name": ("Members 2026", "Friends of the House")[k],
            "photo_required": "false",
            "valid_from_date": None,
            "valid_from_type": "relative",
            "valid_to_date": {"$date": valid_to, "$tz": tz},
            "valid_to_relative_days": None,
            "valid_to_type": "fixed",
        }, None, None, None))  # fmt: skip
    waitlisted = 0
    for e in evs:
        # Some future events have a waiting list (always at least one, when any exists).
        if e.start > anchor and e.status == "published" and (rng.random() < 0.3 or not waitlisted):
            waitlisted += 1
            for _ in range(rng.randint(1, 5)):
                fi = rng.randrange(len(names.FIRST_NAMES))
                planned.append((rng.randint(e.created_at + 60, anchor - 60), "waitlist_signup", {
                    "email": f"{_ascii(names.FIRST_NAMES[fi])}{rng.randrange(1000)}@example.com",
                    "event_id": f"ev_{e.id}",
                }, series_ids[e.series], e.id, None))  # fmt: skip
    planned.sort(key=lambda p: p[0])
    bases = {
        "discount": 598_900, "voucher": 1_200, "product": 80_700, "membership_type": 9_700,
        "waitlist_signup": 33_000,
    }  # fmt: skip
    membership_types: list[tuple[int, dict[str, Any], int]] = []
    for at, kind, body, parent, event, ocode in planned:
        oid = ids.take(kind, bases[kind])
        if kind == "product":
            body["created_at"] = body["updated_at"] = {"$date": at, "$tz": tz}
        if kind == "waitlist_signup":
            body["created_at"] = {"$date": at, "$tz": tz}
        objects.append((kind, oid, at, at, parent, event, ocode, json.dumps(body)))
        if kind == "voucher":
            for _ in range(body["total_codes"]):
                cid = ids.take("voucher_code", 4_400)
                vcode = "GIFT-" if body["type"] == "GIFT_CARD" else "PROMO-"
                objects.append(("voucher_code", cid, at, at, oid, None, None, json.dumps({
                    "code": vcode + _alnum(rng, 6, "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"),
                    "expiry": body["expiry"],
                    "value": body["value"],
                    "voucher_id": f"vo_{oid}",
                })))  # fmt: skip
        if kind == "membership_type":
            membership_types.append((oid, body, at))
    _memberships(rng, ids, box, membership_types, anchor, objects)


def _memberships(
    rng: random.Random,
    ids: _Ids,
    box: dict[str, Any],
    types: list[tuple[int, dict[str, Any], int]],
    anchor: int,
    objects: list[tuple[Any, ...]],
) -> None:
    tz = box["timezone"]
    planned = []
    for mt_id, body, created in types:
        for _ in range(rng.randint(3, 12)):
            planned.append((rng.randint(created + 60, anchor - 60), mt_id, body))
    planned.sort(key=lambda p: p[0])
    for at, mt_id, body in planned:
        im = ids.take("issued_membership", 159_900)
        fi = rng.randrange(len(names.FIRST_NAMES))
        la = rng.randrange(len(names.LAST_NAMES))
        fn, ln = names.FIRST_NAMES[fi], names.LAST_NAMES[la]
        redemptions = []
        for _ in range(rng.randint(0, 2)):
            rt = rng.randint(at + 60, anchor)
            redemptions.append({
                "object": "issued_membership_redemption",
                "id": f"ir_{ids.take('redemption', 214_900)}",
                "created_at": {"$iso": rt},
                "description": "",
                "issued_membership_id": f"im_{im}",
                "linked_event_id": None,
                "linked_order_id": None,
            })  # fmt: skip
        valid_to = body["valid_to_date"]["$date"]
        objects.append(("issued_membership", im, at, at, mt_id, None, None, json.dumps({
            "benefits": [],
            "code": "MM" + _alnum(rng, 7, "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"),
            "email": f"{_ascii(fn)}.{_ascii(ln)}@example.com",
            "first_name": fn,
            "full_name": f"{fn} {ln}",
            "is_valid": "true" if valid_to > anchor else "false",
            "issue_date": {"$date": at, "$tz": tz},
            "last_name": ln,
            "max_redemptions": body["max_redemptions"],
            "membership_type_id": f"mt_{mt_id}",
            "membership_type_name": body["name"],
            "redemption_collection": redemptions,
            "redemptions": len(redemptions),
            "valid_from": {"$date": at, "$tz": tz},
            "valid_to": {"$date": valid_to, "$tz": tz},
            "voided_at": None,
        })))  # fmt: skip
