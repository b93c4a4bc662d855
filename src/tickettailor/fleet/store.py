"""The watch state in PostgreSQL, with the SQLite store's semantics exactly.

``PgStateStore`` is ``tickettailor.watch.state.StateStore`` for a fleet: the same
position, records, outbox, dead letters, status and fenced lease, as rows of one
watch (``watch``) in the fleet's schema (``tickettailor.fleet.schema``). Both stores
pass tests/fleet/test_store_conformance.py.

The lease is the row ``leases.name = lease_name`` (the watch itself by default; in a
fleet, the box office, shared by its watches). Every write transaction starts with
``UPDATE leases SET expires_at = ... WHERE name = ... AND token = ...``: it renews the
lease and checks the fencing token in the same transaction as the write, and holds the
row's lock until commit, so a claim (``FOR UPDATE SKIP LOCKED``) can never slip in
between. A store given ``token`` (a worker's claim) adopts it and never takes the lease
itself: ``acquire`` then only checks it still holds.
"""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from tickettailor._core.errors import StateError
from tickettailor.fleet.db import Db
from tickettailor.fleet.schema import SCHEMA_VERSION, check_version
from tickettailor.watch import jsonfast
from tickettailor.watch.crash import crash_point
from tickettailor.watch.envelope import Envelope
from tickettailor.watch.holder import holder_alive, this_process
from tickettailor.watch.state import (
    APP_ID,
    LeaseError,
    Pending,
    Position,
    SinkBacklog,
    StateStatus,
    StoredRecord,
    _busy_text,
    _float,
    _holder,
    _position_row,
    describe_lease,
)

__all__ = ["PgStateStore"]

_SCANNED = "scanned:"
_LEASE_COLUMNS = "token, holder, expires_at, pid, host, boot_id, pid_ns, started"


class PgStateStore:
    """One watch's state in the fleet database. Open it with ``PgStateStore.open``."""

    def __init__(
        self,
        db: Db,
        watch: str,
        resource: str,
        *,
        lease_name: str | None = None,
        token: int | None = None,
        clock: Callable[[], float] = time.time,
        lease_ttl: float = 60.0,
        owns_db: bool = True,
        on_write: Callable[[float], None] | None = None,
    ) -> None:
        self._db = db
        self.watch = watch
        self.resource = resource
        self.lease_name = lease_name or watch
        self.path = f"postgres:{db.schema}/{watch}"
        self._token = token
        self._adopted = token is not None
        self._clock = clock
        self.lease_ttl = lease_ttl
        self._owns_db = owns_db
        self._on_write = on_write
        self._holder = uuid.uuid4().hex
        self._me = this_process()
        self.changes_stored = 0  # .updated envelopes stored by this store, ever

    @classmethod
    def open(
        cls,
        db: Db,
        *,
        watch: str,
        resource: str,
        key_fingerprint: str | None,
        create: bool = True,
        **kwargs: Any,
    ) -> PgStateStore:
        """Open (or create) ``watch``'s state after checking it is this resource's and key's."""
        with db.tx() as conn:
            check_version(conn, db.schema)
            meta = dict(conn.execute("SELECT k, v FROM meta WHERE watch = %s", (watch,)).fetchall())
            if not meta:
                if not create:
                    raise StateError(f"no watch state {watch} in the fleet database")
                _create(conn, watch, resource, key_fingerprint)
            else:
                _check(meta, watch, resource, key_fingerprint)
            name = kwargs.get("lease_name") or watch
            conn.execute("INSERT INTO leases (name) VALUES (%s) ON CONFLICT DO NOTHING", (name,))
        return cls(db, watch, resource, **kwargs)

    def close(self) -> None:
        """Give the lease back (if held and not adopted) and close an owned connection."""
        if not self._adopted:
            with contextlib.suppress(StateError):
                self.release()
        if self._owns_db:
            self._db.close()

    # -- the lease --------------------------------------------------------------------

    @property
    def token(self) -> int | None:
        return self._token

    def acquire(self, *, wait: float = 0.0, poll: float = 0.2) -> None:
        """Take the lease, waiting up to ``wait`` seconds; else raise LeaseError."""
        if self._adopted:
            self.renew()  # a worker's claim: check it still holds, never take it here
            return
        deadline = time.monotonic() + wait
        while True:
            busy_with = self._try_acquire()
            if busy_with is None:
                return
            if time.monotonic() >= deadline:
                raise LeaseError(
                    f"the watch state {self.path} is in use by another watcher "
                    f"({busy_with}); stop it first, or pass --wait SECONDS to wait for it"
                )
            time.sleep(poll)

    def _try_acquire(self) -> str | None:
        now, me = self._clock(), self._me
        with self._db.tx() as conn:
            row = conn.execute(
                f"SELECT {_LEASE_COLUMNS} FROM leases WHERE name = %s FOR UPDATE",  # noqa: S608  (fixed columns)
                (self.lease_name,),
            ).fetchone()
            if row is None:
                raise StateError(f"the lease row of {self.path} is missing: reopen the state")
            token, holder, expires, *who = row
            other = _holder(*who)
            if holder is not None and holder != self._holder and expires > now:
                alive = None if other is None else holder_alive(other, me)
                if alive is not False:
                    return _busy_text(other, alive, expires - now)
            conn.execute(
                "UPDATE leases SET token = %s, holder = %s, pid = %s, host = %s, boot_id = %s, "
                "pid_ns = %s, started = %s, expires_at = %s WHERE name = %s",
                (
                    token + 1,
                    self._holder,
                    me.pid,
                    me.host,
                    me.boot_id,
                    me.pid_ns,
                    me.started,
                    now + self.lease_ttl,
                    self.lease_name,
                ),
            )
            self._token = token + 1
        return None

    def renew(self) -> None:
        """Extend the lease; LeaseError if another holder has taken it."""
        with self._write():
            pass

    def release(self) -> None:
        """Give the lease back so another watcher can start at once."""
        if self._token is None:
            return
        with self._db.tx() as conn:
            conn.execute(
                "UPDATE leases SET holder = NULL, expires_at = 0 WHERE name = %s AND token = %s",
                (self.lease_name, self._token),
            )
        self._token = None

    @contextlib.contextmanager
    def _write(self) -> Iterator[Any]:
        """A write transaction fenced by our token: renew-and-check is its first statement."""
        began = time.monotonic()
        with self._db.tx() as conn:
            row = None
            if self._token is not None:
                row = conn.execute(
                    "UPDATE leases SET expires_at = %s WHERE name = %s AND token = %s "
                    "RETURNING token",
                    (self._clock() + self.lease_ttl, self.lease_name, self._token),
                ).fetchone()
            if row is None:
                self._token = None
                raise LeaseError(
                    f"this watcher lost the lease on {self.path} to another watcher; "
                    "it stops here without writing"
                )
            yield conn
        if self._on_write is not None:
            self._on_write(began)  # the lease was confirmed as of `began`

    def _read(self) -> Any:
        return self._db.tx()

    # -- position ---------------------------------------------------------------------

    def positions(self) -> dict[str, Position]:
        with self._read() as conn:
            rows = conn.execute(
                'SELECT stream, watermark, anchor, "cursor", scan_max, floor, min_id '
                "FROM position WHERE watch = %s",
                (self.watch,),
            ).fetchall()
        return {row[0]: Position(*row) for row in rows}

    def init_positions(self, positions: Sequence[Position]) -> None:
        with self._write() as conn:
            for pos in positions:
                conn.execute(
                    "INSERT INTO position VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
                    "ON CONFLICT DO NOTHING",
                    (self.watch, *_position_row(pos)),
                )

    def scanned_at(self, stream: str) -> float | None:
        value = self.status_value(_SCANNED + stream)
        return None if value is None else float(value)

    def store_page(
        self,
        records: Sequence[StoredRecord],
        position: Position,
        sinks: Sequence[str],
        *,
        scanned_at: float | None = None,
        seen: Sequence[tuple[str, str]] = (),
    ) -> int:
        """Insert unseen records with their outbox rows and move the position, atomically.

        As ``StateStore.store_page``: records with a ``change`` are stored as a creation
        when new, as their change when their content is new (``changes_stored`` counts
        those); ``seen``: (id, hash) pairs to remember in the same transaction.
        """
        now = self._clock()
        with self._write() as conn:
            self._remember(conn, seen, now)
            rows, new, changed = self._plan(conn, records, now)
            self._insert_rows(conn, rows, sinks, now)
            crash_point("after_outbox_insert")
            self._put_position(conn, position)
            if scanned_at is not None:
                self._put_status(conn, _SCANNED + position.stream, str(float(scanned_at)))
            crash_point("before_position_commit")
        self.changes_stored += changed
        crash_point("after_position_commit")
        return new

    def _put_position(self, conn: Any, pos: Position) -> None:
        conn.execute(
            "INSERT INTO position VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (watch, stream) DO UPDATE SET watermark = EXCLUDED.watermark, "
            'anchor = EXCLUDED.anchor, "cursor" = EXCLUDED."cursor", '
            "scan_max = EXCLUDED.scan_max, floor = EXCLUDED.floor, min_id = EXCLUDED.min_id",
            (self.watch, *_position_row(pos)),
        )

    def _put_status(self, conn: Any, key: str, value: str | None, *, keep: bool = False) -> None:
        action = "NOTHING" if keep else "UPDATE SET v = EXCLUDED.v"
        conn.execute(
            f"INSERT INTO status VALUES (%s, %s, %s) ON CONFLICT (watch, k) DO {action}",  # noqa: S608  (fixed text)
            (self.watch, key, value),
        )

    # -- outbox -----------------------------------------------------------------------

    def pending(self, sink: str, limit: int) -> list[Pending]:
        with self._read() as conn:
            rows = conn.execute(
                "SELECT o.seq, r.envelope, o.attempts, o.next_at, o.failing_since "
                "FROM outbox o JOIN records r ON r.seq = o.seq "
                "WHERE o.watch = %s AND o.sink = %s AND o.state = 'pending' "
                "ORDER BY o.seq LIMIT %s",
                (self.watch, sink, limit),
            ).fetchall()
        return [
            Pending(seq, jsonfast.loads(env), attempts, nxt, since)
            for seq, env, attempts, nxt, since in rows
        ]

    def mark_delivered(self, sink: str, seqs: Sequence[int]) -> None:
        now = self._clock()
        with self._write() as conn:
            conn.execute(
                "UPDATE outbox SET state = 'delivered', done_at = %s, last_error = NULL, "
                "failing_since = NULL WHERE watch = %s AND sink = %s AND seq = ANY(%s)",
                (now, self.watch, sink, list(seqs)),
            )

    def mark_retry(self, sink: str, seq: int, error: str, next_at: float) -> None:
        with self._write() as conn:
            conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, next_at = %s, last_error = %s, "
                "failing_since = coalesce(failing_since, %s) "
                "WHERE watch = %s AND sink = %s AND seq = %s",
                (next_at, error[:500], self._clock(), self.watch, sink, seq),
            )

    def mark_dead(self, sink: str, seq: int, error: str) -> None:
        with self._write() as conn:
            conn.execute(
                "UPDATE outbox SET state = 'dead', attempts = attempts + 1, last_error = %s, "
                "done_at = %s WHERE watch = %s AND sink = %s AND seq = %s",
                (error[:500], self._clock(), self.watch, sink, seq),
            )

    def requeue_dead(self, sinks: Sequence[str]) -> int:
        with self._write() as conn:
            cur = conn.execute(
                "UPDATE outbox SET state = 'pending', attempts = 0, next_at = 0, "
                "last_error = NULL, done_at = NULL, failing_since = NULL "
                "WHERE watch = %s AND sink = ANY(%s) AND state = 'dead'",
                (self.watch, list(sinks)),
            )
        return max(int(cur.rowcount), 0)

    def dead_letters(self) -> dict[str, int]:
        return self._count_by_sink("dead")

    def pending_by_sink(self) -> dict[str, int]:
        return self._count_by_sink("pending")

    def _count_by_sink(self, state: str) -> dict[str, int]:
        with self._read() as conn:
            rows = conn.execute(
                "SELECT sink, count(*) FROM outbox WHERE watch = %s AND state = %s GROUP BY sink",
                (self.watch, state),
            ).fetchall()
        return {str(sink): int(n) for sink, n in rows}

    def backlog(self) -> int:
        return sum(self.pending_by_sink().values())

    def replay(self, since_ts: int, sinks: Sequence[str]) -> int:
        with self._write() as conn:
            seqs = [
                row[0]
                for row in conn.execute(
                    "SELECT seq FROM records WHERE watch = %s AND ts >= %s ORDER BY seq",
                    (self.watch, since_ts),
                ).fetchall()
            ]
            for sink in sinks:
                conn.execute(
                    "DELETE FROM outbox WHERE watch = %s AND sink = %s AND seq = ANY(%s)",
                    (self.watch, sink, seqs),
                )
                conn.execute(
                    "INSERT INTO outbox (watch, sink, seq, state) "
                    "SELECT %s, %s, s, 'pending' FROM unnest(%s::bigint[]) AS s",
                    (self.watch, sink, seqs),
                )
        return len(seqs)

    def reset(self) -> None:
        with self._write() as conn:
            for table in ("outbox", "records", "position", "status", "content_hashes"):
                conn.execute(f"DELETE FROM {table} WHERE watch = %s", (self.watch,))  # noqa: S608  (fixed table names)

    def drop_sink(self, sink: str) -> int:
        with self._write() as conn:
            (pending,) = conn.execute(
                "SELECT count(*) FROM outbox WHERE watch = %s AND sink = %s AND state = 'pending'",
                (self.watch, sink),
            ).fetchone()
            conn.execute("DELETE FROM outbox WHERE watch = %s AND sink = %s", (self.watch, sink))
        return int(pending)

    # -- status and meta --------------------------------------------------------------

    def note(self, *, error: str | None = None) -> None:
        now = str(self._clock())
        items = [("last_error", error), ("last_error_at", now)] if error else []
        if error is None:
            items = [("last_success_at", now)]
        with self._write() as conn:
            for key, value in items:
                self._put_status(conn, key, value)

    def status_value(self, key: str) -> str | None:
        with self._read() as conn:
            row = conn.execute(
                "SELECT v FROM status WHERE watch = %s AND k = %s", (self.watch, key)
            ).fetchone()
        return None if row is None else row[0]

    def set_status(self, key: str, value: str, *, keep: bool = False) -> None:
        with self._write() as conn:
            self._put_status(conn, key, value, keep=keep)

    def meta(self) -> dict[str, str]:
        with self._read() as conn:
            rows = conn.execute("SELECT k, v FROM meta WHERE watch = %s", (self.watch,)).fetchall()
        return dict(rows)

    def set_meta(self, **values: str | None) -> None:
        with self._write() as conn:
            for k, v in values.items():
                if v is None:
                    conn.execute("DELETE FROM meta WHERE watch = %s AND k = %s", (self.watch, k))
                else:
                    conn.execute(
                        "INSERT INTO meta VALUES (%s, %s, %s) "
                        "ON CONFLICT (watch, k) DO UPDATE SET v = EXCLUDED.v",
                        (self.watch, k, v),
                    )

    def newest_record(self, record_type: str) -> tuple[str, int] | None:
        with self._read() as conn:
            row = conn.execute(
                "SELECT record_id, ts FROM records WHERE watch = %s AND type = %s "
                "ORDER BY seq DESC LIMIT 1",
                (self.watch, record_type),
            ).fetchone()
        return None if row is None else (str(row[0]), int(row[1]))

    def earliest_ts(self) -> int | None:
        with self._read() as conn:
            (ts,) = conn.execute(
                "SELECT min(ts) FROM records WHERE watch = %s", (self.watch,)
            ).fetchone()
        return None if ts is None else int(ts)

    # -- changes (tickettailor.watch.changes) -----------------------------------------

    def _plan(
        self, conn: Any, records: Sequence[StoredRecord], now: float
    ) -> tuple[list[tuple[Envelope, int | None, int]], int, int]:
        """The page's rows to insert, in order, decided as ``StateStore.store_page``
        decides them record by record, from two reads (the keys and hashes already
        stored) instead of four statements a record: (rows, new, of them changes)."""
        ids = list(dict.fromkeys(str(r.envelope["data"]["id"]) for r in records if r.change))
        self._seed_hashes(conn, ids, now)
        known = self._known_hashes(conn, ids)
        keys = [r.envelope["id"] for r in records] + [r.change["id"] for r in records if r.change]
        stored = {
            str(k)
            for (k,) in conn.execute(
                "SELECT key FROM records WHERE watch = %s AND key = ANY(%s)", (self.watch, keys)
            ).fetchall()
        }
        rows: list[tuple[Envelope, int | None, int]] = []
        fresh_pairs: list[tuple[str, str]] = []
        changed = 0

        def add(envelope: Envelope, num: int | None, ts: int) -> bool:
            if envelope["id"] in stored:
                return False
            stored.add(envelope["id"])
            rows.append((envelope, num, ts))
            return True

        for rec in records:
            if rec.change is None:
                add(rec.envelope, rec.record_num, rec.ts)
                continue
            pair = (str(rec.envelope["data"]["id"]), str(rec.digest))
            fresh = pair not in known
            if fresh:
                known.add(pair)
                fresh_pairs.append(pair)
            if not fresh and rec.envelope is rec.change:  # a change-only stream: content seen
                continue
            if add(rec.envelope, rec.record_num, rec.ts):
                changed += rec.envelope is rec.change
            elif fresh and add(rec.change, rec.record_num, int(now)):
                # An update's time is when it was seen: orders and events carry no time
                # of change.
                changed += 1
        self._remember(conn, fresh_pairs, now)
        return rows, len(rows), changed

    def _insert_rows(
        self,
        conn: Any,
        rows: Sequence[tuple[Envelope, int | None, int]],
        sinks: Sequence[str],
        now: float,
    ) -> None:
        """Insert envelopes (their seqs rising in the given order) and their outbox rows,
        one statement each. The arrays go in binary (``%b``): in text, psycopg escapes
        every envelope with a regular expression, which took a fifth of a worker's CPU."""
        if not rows:
            return
        seqs = [
            int(seq)
            for (seq,) in conn.execute(
                "INSERT INTO records (watch, key, type, record_id, record_num, ts, envelope, "
                "stored_at) SELECT %s, k, t, i, n, ts, e, %s FROM unnest("
                "%b::text[], %b::text[], %b::text[], %b::bigint[], %b::bigint[], %b::text[]) "
                "WITH ORDINALITY AS u(k, t, i, n, ts, e, o) ORDER BY o "
                "ON CONFLICT DO NOTHING RETURNING seq",
                (
                    self.watch,
                    now,
                    [env["id"] for env, _, _ in rows],
                    [env["type"] for env, _, _ in rows],
                    [str(env["data"]["id"]) for env, _, _ in rows],
                    [num for _, num, _ in rows],
                    [ts for _, _, ts in rows],
                    [jsonfast.dumps(env) for env, _, _ in rows],
                ),
            ).fetchall()
        ]
        if sinks and seqs:
            conn.execute(
                "INSERT INTO outbox (watch, sink, seq, state) SELECT %s, s, q, 'pending' "
                "FROM unnest(%s::bigint[]) AS q CROSS JOIN unnest(%s::text[]) AS s",
                (self.watch, sorted(seqs), list(sinks)),
            )

    def _seed_hashes(self, conn: Any, record_ids: Sequence[str], now: float) -> None:
        """Records stored before changes were watched: their stored contents count as
        seen (hashed here, once)."""
        from tickettailor.watch.changes import content_hash

        if not record_ids:
            return
        rows = conn.execute(
            "SELECT r.record_id, r.envelope FROM records r WHERE r.watch = %s "
            "AND r.record_id = ANY(%s) AND NOT EXISTS (SELECT 1 FROM content_hashes h "
            "WHERE h.watch = r.watch AND h.record_id = r.record_id) ORDER BY r.seq",
            (self.watch, list(record_ids)),
        ).fetchall()
        pairs = [(str(rid), content_hash(json.loads(env)["data"])) for rid, env in rows]
        self._remember(conn, pairs, now)

    def _known_hashes(self, conn: Any, record_ids: Sequence[str]) -> set[tuple[str, str]]:
        if not record_ids:
            return set()
        rows = conn.execute(
            "SELECT record_id, hash FROM content_hashes WHERE watch = %s AND record_id = ANY(%s)",
            (self.watch, list(record_ids)),
        ).fetchall()
        return {(str(rid), str(digest)) for rid, digest in rows}

    def _remember(self, conn: Any, pairs: Sequence[tuple[str, str]], now: float) -> None:
        """Note (record id, hash) pairs as seen (one statement)."""
        if not pairs:
            return
        conn.execute(
            "INSERT INTO content_hashes (watch, record_id, hash, seen_at) "
            "SELECT %s, i, h, %s FROM unnest(%b::text[], %b::text[]) AS u(i, h) "
            "ON CONFLICT DO NOTHING",
            (self.watch, now, [i for i, _ in pairs], [h for _, h in pairs]),
        )

    def unseen(self, pairs: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
        """The (record id, hash) pairs this state has not seen yet."""
        with self._read() as conn:
            known = self._known_hashes(conn, list(dict.fromkeys(i for i, _ in pairs)))
        return [pair for pair in pairs if pair not in known]

    def last_hash(self, record_id: str) -> str | None:
        """The content hash last seen for ``record_id`` (None: none yet)."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT hash FROM content_hashes WHERE watch = %s AND record_id = %s "
                "ORDER BY seen_at DESC LIMIT 1",
                (self.watch, record_id),
            ).fetchone()
        return None if row is None else str(row[0])

    def count_records(self, record_type: str, since_ts: int) -> int:
        """Records of ``record_type`` with a time at or after ``since_ts``."""
        with self._read() as conn:
            (count,) = conn.execute(
                "SELECT count(*) FROM records WHERE watch = %s AND type = %s AND ts >= %s",
                (self.watch, record_type, since_ts),
            ).fetchone()
        return int(count)

    def status(self) -> StateStatus:
        info = self._status_rows()
        with self._read() as conn:
            sinks = [
                self._sink_backlog(conn, sink)
                for (sink,) in conn.execute(
                    "SELECT DISTINCT sink FROM outbox WHERE watch = %s ORDER BY sink",
                    (self.watch,),
                ).fetchall()
            ]
            (records,) = conn.execute(
                "SELECT count(*) FROM records WHERE watch = %s", (self.watch,)
            ).fetchone()
            holder, stale = self._lease_status(conn)
        return StateStatus(
            path=self.path,
            resource=self.resource,
            positions=list(self.positions().values()),
            sinks=sinks,
            records=int(records),
            last_error=info.get("last_error"),
            last_error_at=_float(info.get("last_error_at")),
            last_success_at=_float(info.get("last_success_at")),
            holder=holder,
            scanned_at={
                k.removeprefix(_SCANNED): float(v)
                for k, v in info.items()
                if k.startswith(_SCANNED) and v is not None
            },
            stale_holder=stale,
        )

    def _status_rows(self) -> dict[str, str]:
        with self._read() as conn:
            rows = conn.execute("SELECT k, v FROM status WHERE watch = %s", (self.watch,))
            return {str(k): v for k, v in rows.fetchall()}

    def _sink_backlog(self, conn: Any, sink: str) -> SinkBacklog:
        key = (self.watch, sink)
        counts = dict(
            conn.execute(
                "SELECT state, count(*) FROM outbox WHERE watch = %s AND sink = %s GROUP BY state",
                key,
            ).fetchall()
        )
        oldest = conn.execute(
            "SELECT r.envelope FROM outbox o JOIN records r ON r.seq = o.seq "
            "WHERE o.watch = %s AND o.sink = %s AND o.state = 'pending' ORDER BY o.seq LIMIT 1",
            key,
        ).fetchone()
        error = conn.execute(
            "SELECT last_error FROM outbox WHERE watch = %s AND sink = %s "
            "AND last_error IS NOT NULL ORDER BY coalesce(done_at, next_at) DESC LIMIT 1",
            key,
        ).fetchone()
        (failing,) = conn.execute(
            "SELECT min(failing_since) FROM outbox WHERE watch = %s AND sink = %s "
            "AND state = 'pending'",
            key,
        ).fetchone()
        return SinkBacklog(
            sink=sink,
            pending=int(counts.get("pending", 0)),
            dead=int(counts.get("dead", 0)),
            delivered=int(counts.get("delivered", 0)),
            oldest_pending=json.loads(oldest[0])["timestamp"] if oldest else None,
            last_error=error[0] if error else None,
            failing_since=failing,
        )

    def _lease_status(self, conn: Any) -> tuple[str | None, str | None]:
        row = conn.execute(
            "SELECT holder, expires_at, pid, host, boot_id, pid_ns, started FROM leases "
            "WHERE name = %s",
            (self.lease_name,),
        ).fetchone()
        return describe_lease(row, self._clock(), self._holder, self._me)


def _create(conn: Any, watch: str, resource: str, key_fingerprint: str | None) -> None:
    meta = {
        "app": APP_ID,
        "schema_version": str(SCHEMA_VERSION),
        "resource": resource,
        "key_fingerprint": key_fingerprint or "",
        "created_at": str(time.time()),
    }
    for k, v in meta.items():
        conn.execute("INSERT INTO meta VALUES (%s, %s, %s)", (watch, k, v))


def _check(meta: dict[str, str], watch: str, resource: str, key_fingerprint: str | None) -> None:
    """The same refusals as the SQLite store's: another resource or another key."""
    if meta.get("resource") != resource:
        raise StateError(
            f"the watch state {watch} belongs to a watch of {meta.get('resource')}, "
            f"not {resource}; pass another --state"
        )
    stored = meta.get("key_fingerprint") or None
    if key_fingerprint is not None and stored is not None and stored != key_fingerprint:
        raise StateError(
            f"the watch state {watch} belongs to another API key (fingerprint {stored}, "
            f"this key's is {key_fingerprint}); pass another --state or use that key"
        )
