"""Live simulated sales: a box office that keeps selling while you watch it.

At ``sales_per_minute`` R (per box office) orders arrive as a Poisson process, about
15% of arrivals being a burst of 2-3 orders in the same second. The changes that follow
a sale come at rates per order sold (``SandboxConfig.changes``, :class:`ChangeRates`;
by default orders cancelled 3% of R, partly refunded 1%, tickets voided 2%, 2% of sales
pending until their payment is confirmed, events moved, closed or reopened and sold
out a few times an hour at R = 30), and people are checked in at events in progress
(up to 80% of R, from an hour before the start to the end). Everything is drawn from
one ``random.Random`` per box office, seeded from the sandbox seed, and driven by the
sandbox clock: ``step(now)`` does every action due up to ``now`` in time order, so the
same seed and the same clock give the same data however often ``step`` is called.
:class:`SimulatorThread` calls it a few times a second.
"""

# ruff: noqa: S608  (SQL text is built from internal table names only; values are bound parameters)
from __future__ import annotations

import logging
import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tickettailor.sandbox import names
from tickettailor.sandbox.api import event_changes
from tickettailor.sandbox.api import order_lifecycle as lifecycle
from tickettailor.sandbox.api.check_ins import check_in
from tickettailor.sandbox.api.issued_tickets import void_ticket
from tickettailor.sandbox.api.writing import Change
from tickettailor.sandbox.config import ChangeRates
from tickettailor.sandbox.errors import ApiError
from tickettailor.sandbox.store import BoxOffice

if TYPE_CHECKING:
    from tickettailor.sandbox.app import Sandbox

log = logging.getLogger("tickettailor.sandbox.simulator")

BURST_P = 0.15  # an arrival that is 2 or 3 orders in the same second
_MEAN_ORDERS = 1 + BURST_P * 1.5
# The actions besides sales, each at its ChangeRates rate per order sold.
CHANGES = ("cancel", "refund", "void", "check_in", "confirm", "event_move", "event_status",
           "sold_out")  # fmt: skip
POSTPONE = (3600, 86400, 7 * 86400)  # how far a simulated event is moved
RESTOCK = 50  # seats added to each ticket type of upcoming events when all are sold out
_FREE = "i.total - i.issued - i.in_baskets - i.held"


@dataclass
class _BoxSim:
    box: BoxOffice
    rng: random.Random
    next_at: float | None = None


@dataclass
class Simulator:
    """Simulated sales for every box office of ``sandbox`` at ``rate`` per minute each."""

    sandbox: Sandbox
    rate: float
    seed: int | None = None
    changes: ChangeRates | None = None  # None: the sandbox config's
    done: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        seed = self.sandbox.config.seed if self.seed is None else self.seed
        self._boxes = [
            _BoxSim(b, random.Random(f"simulator:{seed}:{b.number}"))
            for b in self.sandbox.store.boxes
        ]
        self._lock = threading.Lock()
        self._weigh(self.changes or self.sandbox.config.changes)

    def _weigh(self, changes: ChangeRates) -> None:
        """Actions per arrival of sales, by kind (R / _MEAN_ORDERS arrivals a minute)."""
        self.changes = changes
        weights = {"sale": 1 / _MEAN_ORDERS, **{k: getattr(changes, k) for k in CHANGES}}
        self._kinds = list(weights)
        total = 0.0
        self._cum = []
        for weight in weights.values():
            total += weight
            self._cum.append(total)

    def set_rate(self, rate: float) -> None:
        with self._lock:
            self.rate = rate

    def set_changes(self, changes: ChangeRates) -> None:
        with self._lock:
            self._weigh(changes)

    def describe(self) -> dict[str, Any]:
        return {
            "sales_per_minute": self.rate,
            "changes": dict(vars(self.changes)) if self.changes else {},
            "done": dict(sorted(self.done.items())),
        }

    def step(self, now: float, *, max_gap: float | None = None) -> int:
        """Do every action due up to ``now`` (unix seconds); returns how many were done.
        The first call only starts the clock of the process. With ``max_gap``, a clock
        that jumped further than that (either way) restarts the process at ``now``
        instead of inventing (or waiting out) the sales of the skipped time."""
        count = 0
        with self._lock:
            if self.rate <= 0:
                for sim in self._boxes:
                    sim.next_at = None  # paused: start afresh when resumed
                return 0
            per_second = self.rate / 60 * self._cum[-1]
            for sim in self._boxes:
                jumped = (
                    sim.next_at is not None
                    and max_gap is not None
                    and (abs(now - sim.next_at) > max_gap)
                )
                if sim.next_at is None or jumped:
                    sim.next_at = now + sim.rng.expovariate(per_second)
                while sim.next_at <= now:
                    count += self._act(sim, int(sim.next_at))
                    sim.next_at += sim.rng.expovariate(per_second)
        return count

    def _act(self, sim: _BoxSim, at: int) -> int:
        kind = self._kinds[_pick(self._cum, sim.rng.random() * self._cum[-1])]
        action = getattr(self, f"_{kind}")
        try:
            done: int = self.sandbox.write(sim.box, lambda change: action(change, sim.rng), now=at)
        except ApiError as e:  # a rare race with an API client (e.g. the seat just went)
            log.debug("simulated %s skipped: %s", kind, e.message)
            return 0
        self.done[kind] += done
        return done

    # ---- actions: each returns how many records it made or changed ------------------------
    def _sale(self, change: Change, rng: random.Random) -> int:
        event_id = self._event_on_sale(change, rng)
        if event_id is None:
            return 0
        orders = rng.choice((2, 3)) if rng.random() < BURST_P else 1
        # created_at = now, but not a few seconds before the newest order or ticket (an API
        # client may have written one just now): ids and times keep rising together. After
        # the clock was moved back, the true time is used and the store told (keep_time_order).
        at = change.now
        for table in ("orders", "tickets"):
            last = change.one(f"SELECT created_at FROM {{p}}{table} ORDER BY id DESC LIMIT 1")
            if last is not None and last[0] is not None and 0 < int(last[0]) - at <= 5:
                at = int(last[0])
        made = 0
        for _ in range(orders):
            items = self._basket(change, rng, event_id)
            if not items:
                break
            assert self.changes is not None  # set in __post_init__
            pending = rng.random() < self.changes.pending  # paid offline, later
            plan = lifecycle.OrderPlan(
                event_id,
                items,
                lifecycle.random_buyer(rng),
                at,
                status="pending" if pending else "completed",
                paypal=rng.random() < 0.2,
                txn_bits=rng.getrandbits(92),
            )
            lifecycle.create_order(change, plan)
            made += 1
        return made

    def _event_on_sale(self, change: Change, rng: random.Random) -> int | None:
        sql = (
            "SELECT e.id FROM {p}events e WHERE e.status = 'published' AND e.start_at > ? "
            f"AND EXISTS (SELECT 1 FROM {{p}}inventory i WHERE i.event_id = e.id AND {_FREE} > 0) "
            "ORDER BY e.id"
        )
        rows = change.query(sql, (change.now,))
        if not rows:
            self._restock(change)
            rows = change.query(sql, (change.now,))
        return int(rng.choice(rows)[0]) if rows else None

    @staticmethod
    def _restock(change: Change) -> None:
        """Everything upcoming is sold out: the organiser adds seats (``modify_quantity``)."""
        change.execute(
            f"UPDATE {{p}}inventory SET total = total + {RESTOCK} WHERE event_id IN "
            "(SELECT id FROM {p}events WHERE status = 'published' AND start_at > ?)",
            (change.now,),
        )
        for (eid,) in change.query(
            "SELECT id FROM {p}events WHERE status = 'published' AND start_at > ? ORDER BY id",
            (change.now,),
        ):
            change.emit("EVENT.UPDATED", "events", eid)

    @staticmethod
    def _basket(change: Change, rng: random.Random, event_id: int) -> list[tuple[int, int]]:
        free = change.query(
            f"SELECT i.tt_id, {_FREE} FROM {{p}}inventory i WHERE i.event_id = ? AND "
            f"{_FREE} > 0 ORDER BY i.tt_id",
            (event_id,),
        )
        if not free:
            return []
        chosen = (
            rng.sample(free, 2) if len(free) > 1 and rng.random() < 0.15 else [rng.choice(free)]
        )
        items = []
        for tt_id, left in chosen:
            r = rng.random()
            qty = 1 if r < 0.5 else 2 if r < 0.8 else 3 if r < 0.92 else 4
            items.append((int(tt_id), min(qty, int(left))))
        return items

    @staticmethod
    def _recent_order(change: Change, rng: random.Random) -> tuple[int, int] | None:
        rows = change.query(
            "SELECT id, coalesce(total_paid, total) FROM {p}orders WHERE status = "
            "'completed' AND refund_amount = 0 ORDER BY id DESC LIMIT 200"
        )
        if not rows:
            return None
        oid, paid = rng.choice(rows)
        return int(oid), int(paid)

    def _cancel(self, change: Change, rng: random.Random) -> int:
        found = self._recent_order(change, rng)
        if found is None:
            return 0
        reason = rng.choice(names.CANCEL_REASONS)
        lifecycle.cancel_order(
            change, found[0], message=lifecycle.status_message(reason, rng.choice(names.STAFF))
        )
        return 1

    def _refund(self, change: Change, rng: random.Random) -> int:
        found = self._recent_order(change, rng)
        if found is None or found[1] < 4:
            return 0
        amount = found[1] // rng.choice((2, 4))
        lifecycle.refund_order(
            change,
            found[0],
            amount,
            message=lifecycle.status_message("Partial refund", rng.choice(names.STAFF)),
        )
        return 1

    @staticmethod
    def _void(change: Change, rng: random.Random) -> int:
        rows = change.query(
            "SELECT id FROM {p}tickets WHERE status = 'valid' ORDER BY id DESC LIMIT 500"
        )
        if not rows:
            return 0
        void_ticket(change, int(rng.choice(rows)[0]))
        return 1

    @staticmethod
    def _confirm(change: Change, rng: random.Random) -> int:
        rows = change.query(
            "SELECT id FROM {p}orders WHERE status = 'pending' ORDER BY id DESC LIMIT 200"
        )
        if not rows:
            return 0
        lifecycle.confirm_payment(change, int(rng.choice(rows)[0]), None)
        return 1

    @staticmethod
    def _upcoming(change: Change, rng: random.Random, statuses: str, free: bool) -> int | None:
        """A random upcoming event with one of ``statuses`` (and seats left if ``free``)."""
        seats = (
            f"AND EXISTS (SELECT 1 FROM {{p}}inventory i WHERE i.event_id = e.id AND {_FREE} > 0)"
        )
        rows = change.query(
            f"SELECT e.id FROM {{p}}events e WHERE e.status IN ({statuses}) AND e.start_at > ? "
            f"{seats if free else ''} ORDER BY e.id",
            (change.now,),
        )
        return int(rng.choice(rows)[0]) if rows else None

    def _event_move(self, change: Change, rng: random.Random) -> int:
        event_id = self._upcoming(change, rng, "'published'", free=False)
        if event_id is None:
            return 0
        event_changes.move_event_by(change, event_id, rng.choice(POSTPONE))
        return 1

    def _event_status(self, change: Change, rng: random.Random) -> int:
        """Close the sales of an upcoming event, or reopen them."""
        event_id = self._upcoming(change, rng, "'published', 'sales_closed'", free=False)
        if event_id is None:
            return 0
        row = change.one("SELECT status FROM {p}events WHERE id = ?", (event_id,))
        status = "sales_closed" if row is not None and row[0] == "published" else "published"
        event_changes.set_event_status(change, event_id, status)
        return 1

    def _sold_out(self, change: Change, rng: random.Random) -> int:
        event_id = self._upcoming(change, rng, "'published'", free=True)
        if event_id is None:
            return 0
        event_changes.sell_out(change, event_id)
        return 1

    @staticmethod
    def _check_in(change: Change, rng: random.Random) -> int:
        events = change.query(
            "SELECT id FROM {p}events WHERE status = 'published' AND start_at - 3600 "
            "<= ? AND ? <= end_at ORDER BY id",
            (change.now, change.now),
        )
        if not events:
            return 0
        event_id = int(rng.choice(events)[0])
        (waiting,) = change.one(
            "SELECT count(*) FROM {p}tickets WHERE event_id = ? AND status = "
            "'valid' AND checked_in = 0",
            (event_id,),
        ) or (0,)
        if not waiting:
            return 0
        row = change.one(
            "SELECT id FROM {p}tickets WHERE event_id = ? AND status = 'valid' AND "
            "checked_in = 0 ORDER BY id LIMIT 1 OFFSET ?",
            (event_id, rng.randrange(int(waiting))),
        )
        assert row is not None  # counted just above, under the same lock
        check_in(change, int(row[0]), 1)
        return 1


def _pick(cumulative: list[float], draw: float) -> int:
    for index, edge in enumerate(cumulative):
        if draw < edge:
            return index
    return len(cumulative) - 1


class SimulatorThread:
    """Runs :meth:`Simulator.step` with the sandbox clock every ``tick`` seconds. When
    the clock is moved (control API) by more than ``max_gap`` seconds, sales resume
    from the new time: the skipped hours are not filled in."""

    def __init__(
        self, sandbox: Sandbox, rate: float, tick: float = 0.25, max_gap: float = 60.0
    ) -> None:
        self.simulator = Simulator(sandbox, rate)
        self.sandbox = sandbox
        self.tick = tick
        self.max_gap = max_gap
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sandbox-sales", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def set_rate(self, rate: float) -> None:
        self.simulator.set_rate(rate)

    def set_changes(self, changes: ChangeRates) -> None:
        self.simulator.set_changes(changes)

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def describe(self) -> dict[str, Any]:
        return self.simulator.describe()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.simulator.step(self.sandbox.clock(), max_gap=self.max_gap)
            except Exception:  # keep selling; a bug shows in the log, not as a dead thread
                log.exception("simulated sales step failed")
            self._stop.wait(self.tick)  # the pace of the simulation, not a synchronisation
