"""A fleet worker: claims box offices, runs all of a box office's watches, hands back.

A starting worker registers and sends a ``NOTIFY`` (the others rebalance at once), then
waits ``JOIN_WAIT`` for workers started with it before its first claim. Each tick (a
third of the lease TTL, or at once on a ``NOTIFY`` or when a runner ends) the worker:

1. releases the leases of runners that finished stopping, marks itself alive in
   ``workers`` and forgets workers unseen for a TTL;
2. renews the leases it holds (``UPDATE ... WHERE name AND token``); one it lost
   (taken after a stall, or the box office removed) has its runner stopped;
3. computes its fair share, ``ceil(active box offices / live workers)`` (capped by
   ``--max-box-offices``), hands back what is over it and claims what is under it with
   ``SELECT ... FOR UPDATE OF leases SKIP LOCKED``: free or expired leases only, each
   claim bumping the fencing token and written to ``lease_audit``. Handing back never
   waits: the runner is asked to stop after its cycle, and its lease is released by a
   later tick once it has (its writes keep the lease, fenced, until then).

A runner (one thread per box office, its own connection) runs the box office's
watches on ``PgStateStore``s that adopt the claimed token. Its sinks are fenced: a
sink is handed an envelope only while the lease was confirmed (by a write, each of
which renews it) less than ``0.8 x TTL`` ago, so a worker cut off from the database
stops delivering before the lease can expire and be claimed by another.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg

from tickettailor._core.errors import StateError
from tickettailor.fleet import inbox, registry
from tickettailor.fleet.apistats import ApiStats
from tickettailor.fleet.db import Db, connect, one
from tickettailor.fleet.registry import BoxOffice
from tickettailor.fleet.schema import NOTIFY_CHANNEL, check_version
from tickettailor.fleet.secrets import Secrets
from tickettailor.fleet.store import PgStateStore
from tickettailor.watch.envelope import Envelope
from tickettailor.watch.sink import Sink, SinkError
from tickettailor.webhooks import RESOURCES

__all__ = ["REFUSED_EVERY", "Worker"]

log = logging.getLogger("tickettailor.fleet")

REFUSED_EVERY = 300.0  # seconds between retries of a box office whose key was refused
_CONFIRMED_FOR = 0.8  # share of the TTL a confirmed lease is trusted for (clock margin)
JOIN_WAIT = 1.0  # seconds a starting worker waits for others started with it (capped at TTL/3)


class Guard:
    """Until when this worker may act for a box office: its last confirmed write + 0.8 TTL."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._until = time.monotonic() + ttl * _CONFIRMED_FOR

    def confirm(self, began: float) -> None:
        self._until = max(self._until, began + self.ttl * _CONFIRMED_FOR)

    def ok(self) -> bool:
        return time.monotonic() < self._until


@dataclass
class FencedSink:
    """A sink that refuses to send unless the lease was confirmed recently."""

    inner: Sink
    guard: Guard
    name: str = field(init=False)
    # The relay's batch protocol, when the inner sink has it (one sync per batch).
    deferred: Callable[[], contextlib.AbstractContextManager[object]] | None = field(
        init=False, default=None
    )
    flush: Callable[[], None] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.name = self.inner.name
        if hasattr(self.inner, "deferred") and hasattr(self.inner, "flush"):
            self.deferred, self.flush = self.inner.deferred, self.inner.flush

    def send(self, envelope: Envelope) -> None:
        if not self.guard.ok():
            raise SinkError("the box office's lease is not confirmed: not sending")
        self.inner.send(envelope)

    def close(self) -> None:
        self.inner.close()


@dataclass
class Stats:
    """What the worker did, for /metrics and the status page."""

    cycles: int = 0
    delivered: int = 0
    fetch_errors: int = 0
    refused: int = 0
    claims: int = 0
    lost: int = 0
    webhooks: dict[str, int] = field(default_factory=dict)  # rows forwarded, per box office


class Runner(threading.Thread):
    """Runs one box office's watches until stopped or its lease is lost."""

    def __init__(self, worker: Worker, bo: BoxOffice, token: int) -> None:
        super().__init__(name=f"box-office-{bo.name}", daemon=True)
        self.worker = worker
        self.bo = bo
        self.token = token
        self.stop = threading.Event()
        self.arrived = threading.Event()  # webhooks wait in the inbox (or: stop)
        # Look at the inbox after each poll only where webhooks come (an idle cycle of
        # the others costs no query); a NOTIFY for this box office turns it on.
        self.webhooks = bo.webhook_secret_sealed is not None
        self.guard = Guard(worker.lease_ttl)
        self.error: str | None = None

    def halt(self) -> None:
        """Ask the runner to stop after its current cycle."""
        self.stop.set()
        self.arrived.set()

    def run(self) -> None:
        try:
            self._run()
        except StateError as exc:  # the lease was lost, or the database is gone
            self.error = str(exc)
            log.warning("%s: stopped: %s", self.bo.name, exc)
        except Exception as exc:
            self.error = f"{type(exc).__name__}: {exc}"
            log.exception("%s: stopped", self.bo.name)
        finally:
            self.worker.wake.set()  # its lease can be released at once

    def _run(self) -> None:
        from tickettailor import Client
        from tickettailor.watch import Watch

        w, bo = self.worker, self.bo
        db = w.connection()
        secrets = w.secrets
        transport = w.api.transport(bo.name)  # counts requests and 429s for /metrics
        with Client(
            api_key=bo.api_key(secrets), base_url=bo.base_url, transport=transport
        ) as client:
            watches = [
                Watch(
                    resource,
                    client=client,
                    sinks=self._sinks(secrets),
                    start=bo.start,
                    lease_ttl=w.lease_ttl,
                    open_store=self._opener(db, resource),
                )
                for resource in bo.watches
            ]
            try:
                self._loop(watches, db)
            finally:
                for watch in watches:
                    with contextlib.suppress(Exception):
                        watch.close()

    def _sinks(self, secrets: Secrets) -> list[Sink]:
        from tickettailor.sinks.spec import parse_sink_spec

        return [FencedSink(parse_sink_spec(s), self.guard) for s in self.bo.sinks(secrets)]

    def _opener(self, db: Db, resource: str) -> Callable[[], PgStateStore]:
        from tickettailor.watch.triggers import get_trigger

        w, bo = self.worker, self.bo

        def open_store() -> PgStateStore:
            return PgStateStore.open(
                db,
                watch=f"{bo.name}/{resource}",
                resource=get_trigger(resource).resource,
                key_fingerprint=bo.key_fingerprint,
                lease_name=bo.name,
                token=self.token,
                lease_ttl=w.lease_ttl,
                owns_db=False,
                on_write=self.guard.confirm,
            )

        return open_store

    def _loop(self, watches: list[Any], db: Db) -> None:
        fed = {w.trigger.resource: w for w in watches if w.trigger.resource in RESOURCES}
        first = True
        while not self.stop.is_set():
            refused = False
            self.arrived.clear()
            for watch in watches:
                report = watch.run_cycle()
                self.worker.stats.cycles += 1
                self.worker.stats.delivered += report.delivered
                refused = refused or report.key_refused
                if report.fetch_error and not report.key_refused:
                    self.worker.stats.fetch_errors += 1
            self._report(db, watches, refused)
            if self.webhooks or first:  # first: what came while no one held it
                self._forward(db, fed)
            first = False
            every = max(self.bo.every, REFUSED_EVERY) if refused else self.bo.every
            self._wait(watches[0], every, db, fed)

    def _forward(self, db: Db, fed: dict[str, Any]) -> None:
        """Webhooks from the fleet's inbox into the outboxes, then out to the sinks."""
        if not fed:
            return
        for watch in fed.values():
            watch.open()
        moved = inbox.forward(db, self.bo.name, fed)
        if not moved:
            return
        stats = self.worker.stats
        stats.webhooks[self.bo.name] = stats.webhooks.get(self.bo.name, 0) + moved
        for watch in fed.values():
            stats.delivered += watch.deliver().delivered

    def _report(self, db: Db, watches: list[Any], refused: bool) -> None:
        errors = [w.store.status_value("last_error") for w in watches if w.store is not None]
        error = "API key refused (403): revoked or wrong" if refused else None
        if refused:
            self.worker.stats.refused += 1
            log.warning(
                "%s: the API key was refused; retrying every %.0f s", self.bo.name, REFUSED_EVERY
            )
        elif self.bo.error and not any(errors):
            error = None
        if refused or self.bo.refused or self.bo.error:
            registry.note_error(db, self.bo.name, error, refused=refused)
            self.bo = _replace_error(self.bo, error, refused)

    def _wait(self, watch: Any, every: float, db: Db, fed: dict[str, Any]) -> None:
        """Until the next poll: forward webhooks as they come, renew the lease."""
        now = time.monotonic()
        deadline, renew_at = now + every, now + self.worker.lease_ttl / 3
        while not self.stop.is_set():
            now = time.monotonic()
            if now >= deadline:
                return
            if now >= renew_at:
                watch.store.renew()  # one lease for all the box office's watches
                renew_at = now + self.worker.lease_ttl / 3
            if self.arrived.wait(min(deadline, renew_at) - now):
                self.arrived.clear()
                if not self.stop.is_set():
                    self.webhooks = True
                    self._forward(db, fed)


def _replace_error(bo: BoxOffice, error: str | None, refused: bool) -> BoxOffice:
    from dataclasses import replace

    return replace(bo, error=error, refused=refused)


class Worker:
    """One worker process's coordinator (see the module docstring)."""

    def __init__(
        self,
        dsn: str,
        schema: str,
        *,
        secrets: Secrets,
        lease_ttl: float = 30.0,
        max_box_offices: int | None = None,
        worker_id: str | None = None,
        connections: int = 4,
    ) -> None:
        self.dsn = dsn
        self.schema = schema
        self.secrets = secrets
        self.lease_ttl = lease_ttl
        self.max_box_offices = max_box_offices
        self.id = worker_id or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.runners: dict[str, Runner] = {}
        # Runners asked to stop, finishing their cycle: their leases are released (by
        # ``tick``) once they have, so the coordinator never waits for a cycle.
        self.stopping: dict[str, Runner] = {}
        self.stats = Stats()
        self.api = ApiStats()
        self.wake = threading.Event()
        self.ready = False
        self._db: Db | None = None
        # Runners share a few connections (a transaction at a time on each): one per
        # box office would not scale (PostgreSQL's max_connections, docs/fleet.md).
        self._pool: list[Db | None] = [None] * max(connections, 1)
        self._next = 0
        self._pool_lock = threading.Lock()

    # -- the loop -----------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Run until ``stop`` is set, then hand every lease back."""
        self._db = Db.open(self.dsn, self.schema)
        with self._db.tx() as conn:
            check_version(conn, self.schema)
            registry.check_secret(conn, self.secrets)
        listener = threading.Thread(target=self._listen, args=(stop,), daemon=True)
        listener.start()
        self._join(stop)
        try:
            while not stop.is_set():
                try:
                    began = time.monotonic()
                    self.tick()
                    self.ready = True
                    took = time.monotonic() - began
                    if took > self.lease_ttl / 3:
                        log.warning("worker %s: a tick took %.1f s", self.id, took)
                except StateError as exc:
                    self.ready = False
                    log.warning("worker %s: %s", self.id, exc)
                    self._stop_all()  # cannot confirm its leases: stop delivering
                    self._reconnect()
                self.wake.wait(self.lease_ttl / 3)
                self.wake.clear()
        finally:
            self.hand_back()

    def _join(self, stop: threading.Event) -> None:
        """Say this worker is here (the others rebalance at once, on the NOTIFY), and
        give workers started with it a moment to say so too before claiming: one that
        claimed alone would take everything and hand most of it back."""
        assert self._db is not None
        with contextlib.suppress(StateError), self._db.tx() as conn:
            self._seen(conn, time.time())
            registry.notify(conn)
        stop.wait(min(JOIN_WAIT, self.lease_ttl / 3))

    def _seen(self, conn: Any, now: float) -> None:
        conn.execute(
            "INSERT INTO workers VALUES (%s, %s, %s, %s, %s) "
            "ON CONFLICT (id) DO UPDATE SET seen_at = EXCLUDED.seen_at",
            (self.id, socket.gethostname(), os.getpid(), now, now),
        )

    def connection(self) -> Db:
        """One of the runners' shared connections, reopened if it broke."""
        with self._pool_lock:
            i = self._next % len(self._pool)
            self._next += 1
            db = self._pool[i]
            if db is None or db.conn.closed or db.conn.broken:
                if db is not None:
                    db.close()
                db = self._pool[i] = Db.open(self.dsn, self.schema)
            return db

    def _reconnect(self) -> None:
        if self._db is not None:
            self._db.close()
        for db in self._pool:
            if db is not None:
                db.close()
        try:
            self._db = Db.open(self.dsn, self.schema)
        except StateError as exc:
            log.warning("worker %s: %s", self.id, exc)

    def _listen(self, stop: threading.Event) -> None:
        """Wake the loop on the fleet's NOTIFY (changes, hand-backs)."""
        while not stop.is_set():
            try:
                with connect(self.dsn, self.schema) as conn:
                    conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    conn.execute(f"LISTEN {inbox.CHANNEL}")
                    while not stop.is_set():
                        for note in conn.notifies(timeout=self.lease_ttl / 3):
                            self._woken(note.channel, note.payload)
            except (StateError, psycopg.Error):
                if stop.wait(1.0):
                    return

    def _woken(self, channel: str, payload: str) -> None:
        if channel != inbox.CHANNEL:
            self.wake.set()  # the fleet changed: rebalance now
            return
        runner = self.runners.get(payload)
        if runner is not None:
            runner.arrived.set()  # webhooks for a box office held here

    def tick(self) -> None:
        db = self._db
        if db is None:
            raise StateError("the worker is not connected to the fleet database")
        now = time.time()
        self._forget_finished()
        self._release_stopped()
        with db.tx() as conn:
            self._seen(conn, now)
            conn.execute("DELETE FROM workers WHERE seen_at < %s", (now - self.lease_ttl,))
            (live,) = one(conn, "SELECT count(*) FROM workers")
            active = {
                r[0]: r[1] for r in conn.execute("SELECT name, paused FROM box_offices").fetchall()
            }
        self._renew(db, now)
        for name in [n for n in self.runners if active.get(n, True)]:
            self.hand_back_one(name)  # paused or removed
        count = sum(1 for paused in active.values() if not paused)
        share = math.ceil(count / max(int(live), 1))
        if self.max_box_offices is not None:
            share = min(share, self.max_box_offices)
        extra = len(self.runners) - share
        for name in sorted(self.runners)[: max(extra, 0)]:
            self.hand_back_one(name)
        if len(self.runners) < share:
            self._claim(db, share - len(self.runners))

    def _renew(self, db: Db, now: float) -> None:
        if not self.runners:
            return
        names = list(self.runners)
        tokens = [self.runners[n].token for n in names]
        began = time.monotonic()  # the lease is confirmed as of before the renewal
        with db.tx() as conn:
            kept = {
                r[0]
                for r in conn.execute(
                    "UPDATE leases l SET expires_at = %s FROM unnest(%s::text[], %s::bigint[]) "
                    "AS h(name, token) WHERE l.name = h.name AND l.token = h.token "
                    "RETURNING l.name",
                    (now + self.lease_ttl, names, tokens),
                ).fetchall()
            }
        for name in names:
            if name in kept:
                self.runners[name].guard.confirm(began)
            else:
                self.stats.lost += 1
                log.warning("%s: lease lost; stopping its watches", name)
                runner = self.runners.pop(name)
                runner.halt()

    def _claim(self, db: Db, wanted: int) -> None:
        now = time.time()
        with db.tx() as conn:
            conn.execute(
                "INSERT INTO leases (name) SELECT name FROM box_offices ON CONFLICT DO NOTHING"
            )
            rows = conn.execute(
                "SELECT l.name, l.holder, l.expires_at FROM leases l "
                "JOIN box_offices b ON b.name = l.name "
                "WHERE NOT b.paused AND (l.holder IS NULL OR l.expires_at < %s) "
                "ORDER BY random() LIMIT %s FOR UPDATE OF l SKIP LOCKED",
                (now, wanted),
            ).fetchall()
            claimed: list[tuple[str, int]] = []
            now = time.time()  # after the locks: the grant's time, for expiry and audit
            for name, before, expired in rows:
                (token,) = one(
                    conn,
                    "UPDATE leases SET token = token + 1, holder = %s, pid = %s, host = %s, "
                    "boot_id = NULL, pid_ns = NULL, started = NULL, expires_at = %s "
                    "WHERE name = %s RETURNING token",
                    (self.id, os.getpid(), socket.gethostname(), now + self.lease_ttl, name),
                )
                conn.execute(
                    "INSERT INTO lease_audit (name, token, holder, granted_at, prev_holder, "
                    "prev_expires_at) VALUES (%s, %s, %s, %s, %s, %s)",
                    (name, token, self.id, now, before, expired),
                )
                claimed.append((name, int(token)))
        for name, token in claimed:
            self._start(db, name, token)

    def _start(self, db: Db, name: str, token: int) -> None:
        bo = registry.get(db, name)
        runner = Runner(self, bo, token)
        self.runners[name] = runner
        self.stats.claims += 1
        log.info("%s: claimed (token %d)", name, token)
        runner.start()

    def _forget_finished(self) -> None:
        """A runner that stopped by itself (lease lost, database gone): hand it back."""
        for name, runner in list(self.runners.items()):
            if not runner.is_alive():
                self.hand_back_one(name)

    # -- handing back -------------------------------------------------------------------

    def hand_back_one(self, name: str) -> None:
        """Ask ``name``'s runner to stop; its lease goes back once it has (``tick``)."""
        runner = self.runners.pop(name, None)
        if runner is None:
            return
        runner.halt()
        self.stopping[name] = runner

    def _release_stopped(self) -> None:
        done = [(n, r) for n, r in self.stopping.items() if not r.is_alive()]
        for name, runner in done:
            del self.stopping[name]
            log.info("%s: handed back (token %d)", name, runner.token)
        self._release([(n, r.token) for n, r in done])

    def _stop_all(self) -> None:
        for runner in self.runners.values():
            runner.halt()
        self.runners.clear()
        self.stopping.clear()

    def hand_back(self) -> None:
        """Stop every runner and release its lease at once (Ctrl-C, SIGTERM)."""
        everyone = {**self.stopping, **self.runners}
        held = [(n, r.token) for n, r in everyone.items()]
        for runner in everyone.values():
            runner.halt()
        for runner in everyone.values():
            runner.join(timeout=60)
        self.runners.clear()
        self.stopping.clear()
        with contextlib.suppress(StateError):
            self._release(held)
            if self._db is not None:
                with self._db.tx() as conn:
                    conn.execute("DELETE FROM workers WHERE id = %s", (self.id,))
                    registry.notify(conn)
        if self._db is not None:
            self._db.close()
        for db in self._pool:
            if db is not None:
                db.close()

    def _release(self, held: list[tuple[str, int]]) -> None:
        if not held or self._db is None:
            return
        now = time.time()
        with self._db.tx() as conn:
            for name, token in held:
                released = conn.execute(
                    "UPDATE leases SET holder = NULL, expires_at = 0 "
                    "WHERE name = %s AND token = %s",
                    (name, token),
                ).rowcount
                if released == 0:
                    continue  # lost before: another token holds it, and its audit says so
                conn.execute(
                    "UPDATE lease_audit SET ended_at = %s WHERE name = %s AND token = %s",
                    (now, name, token),
                )
            registry.notify(conn)
