"""Workers: each box office held by one worker, spread, failover, nothing lost or doubled.

Real worker processes (``tickettailor worker``) against a real PostgreSQL and a
sandbox with several box offices selling live; sinks are Postgres tables (upsert by
envelope id), one per box office.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from tests import pg
from tests.fleet.kit import (
    add_box_offices,
    audit_overlaps,
    holders,
    start_worker,
    wait_for,
    worker_env,
)
from tickettailor import Client
from tickettailor.fleet.secrets import Secrets, new_secret
from tickettailor.fleet.worker import Worker
from tickettailor.sandbox import RunningSandbox, SandboxConfig, serve_in_thread

pytestmark = pytest.mark.slow

SECRET = new_secret()
TTL = 3.0


def key(n: int) -> str:
    return f"sk_{2000 + n}_{300000 + n}_" + f"{n:032x}"


@pytest.fixture
def shops(sandbox_config: SandboxConfig) -> Iterator[RunningSandbox]:
    config = dataclasses.replace(
        sandbox_config, keys=tuple(key(n) for n in range(6)), orders=20, sales_per_minute=300
    )
    with serve_in_thread(config) as running:
        yield running


def sink_table(schema: str, name: str) -> str:
    return f"{schema}.sink_{name}"


def sink_ids(dsn: str, table: str) -> list[str]:
    """The orders created in the sink (the simulator's cancellations and refunds add
    ``order.updated`` rows besides: changes are watched by default, issue 14)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        exists = conn.execute("SELECT to_regclass(%s)", (table,)).fetchone()
        if exists is None or exists[0] is None:
            return []
        rows = conn.execute(
            f"SELECT record_id FROM {table} WHERE type = 'order.created'"  # noqa: S608  (the test's table)
        ).fetchall()
    return [str(r[0]) for r in rows]


def test_three_workers_kill_9_and_every_order_is_in_the_sink_once(
    pg_dsn: str, fleet_schema: str, shops: RunningSandbox, tmp_path: Path
) -> None:
    names = {f"shop{n}": key(n) for n in range(6)}
    add_box_offices(
        pg_dsn,
        fleet_schema,
        SECRET,
        names,
        base_url=shops.base_url,
        sink=lambda name: f"postgres,table={sink_table(fleet_schema, name)}:{pg_dsn}",
    )
    log = str(tmp_path / "workers.log")
    workers = [start_worker(pg_dsn, fleet_schema, SECRET, ttl=TTL, log_path=log) for _ in range(3)]
    try:
        held = wait_for("all six held", lambda: len(holders(pg_dsn, fleet_schema)) == 6 or None)
        spread = wait_for(
            "an even spread (2 each)",
            lambda: sorted(_counts(holders(pg_dsn, fleet_schema))) == [2, 2, 2] or None,
            timeout=30,
        )
        assert held
        assert spread
        for round_ in range(2):  # kill -9 one worker, replace it
            victim = workers.pop(round_ % len(workers))
            lost = _held_by_pid(pg_dsn, fleet_schema, victim.proc.pid)
            killed_at = time.monotonic()
            victim.kill()
            wait_for(
                "the killed worker's box offices to move",
                lambda lost=lost, pid=victim.proc.pid: _moved(pg_dsn, fleet_schema, lost, pid),
                timeout=TTL + 10,
            )
            failover = time.monotonic() - killed_at
            assert failover < TTL + TTL / 3 + 5, (
                failover
            )  # TTL + one tick + slack for a busy machine
            workers.append(start_worker(pg_dsn, fleet_schema, SECRET, ttl=TTL, log_path=log))
        # The replacements take their fair share; this also has every worker up (its
        # SIGTERM handler installed) before the SIGTERMs below.
        wait_for(
            "the replacements to take their share (2 each)",
            lambda: sorted(_counts(holders(pg_dsn, fleet_schema))) == [2, 2, 2] or None,
            timeout=TTL * 2 + 30,
        )
        shops.sandbox.start_simulator(0)  # the shops close; what was sold must all arrive
        expected = {name: _order_ids(shops, k) for name, k in names.items()}
        for name in names:
            wait_for(
                f"every order of {name} in its sink",
                lambda name=name: (
                    set(sink_ids(pg_dsn, sink_table(fleet_schema, name))) == expected[name]
                ),
                timeout=30,
            )
        for worker in workers:
            assert worker.term() == 0
        assert holders(pg_dsn, fleet_schema) == {}  # SIGTERM handed everything back
    finally:
        for worker in workers:
            if worker.proc.poll() is None:
                worker.kill()
    for name in names:
        ids = sink_ids(pg_dsn, sink_table(fleet_schema, name))
        assert len(ids) == len(set(ids)) == len(expected[name])
    assert audit_overlaps(pg_dsn, fleet_schema) == []
    assert "Traceback" not in Path(log).read_text()


# A worker whose SIGTERM comes while it is still starting (here: as it sets up its
# logging, before the fleet code is imported and anything connects).
_SIGTERM_WHILE_STARTING = """
import os, signal, sys
import tickettailor.fleet.logs as logs

real = logs.setup_logging

def setup_logging(log_format):
    os.kill(os.getpid(), signal.SIGTERM)
    real(log_format)

logs.setup_logging = setup_logging
sys.argv = ["tickettailor", "worker", "--schema", sys.argv[1], "--lease-ttl", "3"]
from tickettailor.cli.main import main
main()
"""


def test_a_worker_stopped_while_it_starts_exits_0_and_holds_nothing(
    pg_dsn: str, fleet_schema: str
) -> None:
    add_box_offices(
        pg_dsn,
        fleet_schema,
        SECRET,
        {"shop0": key(0)},
        base_url="http://127.0.0.1:9",  # never asked: stopped before any claim
        sink=lambda _name: "jsonl:/dev/null",
    )
    done = subprocess.run(
        [sys.executable, "-c", _SIGTERM_WHILE_STARTING, fleet_schema],
        env=worker_env(pg_dsn, SECRET),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr  # not -15: the handler was in place
    assert "its box offices were handed back" in done.stderr
    assert holders(pg_dsn, fleet_schema) == {}


def _counts(held: dict[str, str]) -> list[int]:
    out: dict[str, int] = {}
    for holder in held.values():
        out[holder] = out.get(holder, 0) + 1
    return list(out.values())


def _held_by_pid(dsn: str, schema: str, pid: int) -> set[str]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = conn.execute(
            f"SELECT name FROM {schema}.leases WHERE pid = %s AND holder IS NOT NULL",  # noqa: S608  (the test's schema)
            (pid,),
        ).fetchall()
    return {str(r[0]) for r in rows}


def _moved(dsn: str, schema: str, lost: set[str], pid: int) -> bool:
    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = conn.execute(
            f"SELECT name FROM {schema}.leases WHERE name = ANY(%s) AND pid <> %s "  # noqa: S608  (the test's schema)
            "AND expires_at > extract(epoch FROM now())",
            (list(lost), pid),
        ).fetchall()
    return len(rows) == len(lost)


def _token(dsn: str, schema: str, name: str) -> int:
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(
            f"SELECT token FROM {schema}.leases WHERE name = %s AND holder IS NOT NULL",  # noqa: S608  (the test's schema)
            (name,),
        ).fetchone()
    return int(row[0]) if row else 0


def _order_ids(shops: RunningSandbox, api_key: str) -> set[str]:
    with Client(api_key, base_url=shops.base_url) as client:
        return {o.id for o in client.orders.list()}


# -- in-process: partitions and bad keys ------------------------------------------------


@pytest.fixture
def run_worker(pg_dsn: str, fleet_schema: str) -> Iterator[Callable[..., Worker]]:
    started: list[tuple[Worker, threading.Event, threading.Thread]] = []

    def run(**kw: object) -> Worker:
        worker = Worker(pg_dsn, fleet_schema, secrets=Secrets(SECRET), lease_ttl=TTL, **kw)  # type: ignore[arg-type]
        stop = threading.Event()
        thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
        thread.start()
        started.append((worker, stop, thread))
        return worker

    yield run
    for worker, stop, thread in started:
        stop.set()
        worker.wake.set()
        thread.join(timeout=30)


def test_a_worker_cut_from_the_database_stops_delivering_before_another_can_claim(
    pg_dsn: str, fleet_schema: str, shops: RunningSandbox, run_worker: Callable[..., Worker]
) -> None:
    add_box_offices(
        pg_dsn,
        fleet_schema,
        SECRET,
        {"shop0": key(0)},
        base_url=shops.base_url,
        sink=lambda name: f"postgres,table={sink_table(fleet_schema, name)}:{pg_dsn}",
    )
    first = run_worker()
    wait_for("shop0 held", lambda: "shop0" in first.runners or None)
    runner = first.runners["shop0"]
    with psycopg.connect(pg_dsn, autocommit=True) as conn:  # cut every connection of it
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'tickettailor-fleet' AND pid <> pg_backend_pid()"
        )
    run_worker()  # a second worker, ready to claim
    claimed = wait_for(
        "shop0 claimed again (a new token)",
        lambda: _token(pg_dsn, fleet_schema, "shop0") > runner.token or None,
        timeout=TTL + 10,
    )
    # By the time any claim succeeded, the cut-off runner had stopped, and its guard
    # (0.8 TTL after its last confirmed write; a claim needs a full TTL) had closed.
    assert claimed
    assert not runner.is_alive()
    assert not runner.guard.ok()
    assert audit_overlaps(pg_dsn, fleet_schema) == []


def test_a_revoked_key_is_marked_and_does_not_hold_up_the_others(
    pg_dsn: str, fleet_schema: str, shops: RunningSandbox, run_worker: Callable[..., Worker]
) -> None:
    add_box_offices(
        pg_dsn,
        fleet_schema,
        SECRET,
        {"good": key(1), "revoked": "sk_9999_999999_" + "f" * 32},
        base_url=shops.base_url,
        sink=lambda name: f"postgres,table={sink_table(fleet_schema, name)}:{pg_dsn}",
    )
    run_worker()
    table = sink_table(fleet_schema, "good")
    wait_for("the good box office delivered", lambda: sink_ids(pg_dsn, table) or None)
    from tickettailor.fleet.status import fleet_rows

    rows = wait_for(
        "the revoked key marked",
        lambda: [r for r in fleet_rows(pg_dsn, fleet_schema) if r.refused] or None,
    )
    assert [r.name for r in rows] == ["revoked"]
    assert "refused" in (rows[0].error or "")
    assert pg.unique_name()  # the shared server is still there for the next test


def test_max_box_offices_caps_what_a_worker_holds(
    pg_dsn: str, fleet_schema: str, shops: RunningSandbox, run_worker: Callable[..., Worker]
) -> None:
    add_box_offices(
        pg_dsn,
        fleet_schema,
        SECRET,
        {f"shop{n}": key(n) for n in range(3)},
        base_url=shops.base_url,
        sink=lambda name: f"postgres,table={sink_table(fleet_schema, name)}:{pg_dsn}",
    )
    capped = run_worker(max_box_offices=1)
    wait_for("one box office held", lambda: len(holders(pg_dsn, fleet_schema)) == 1)
    other = run_worker()
    wait_for("the rest held by the other", lambda: len(holders(pg_dsn, fleet_schema)) == 3)
    # A claim is committed just before its runner is registered: wait for both.
    wait_for("the other's runners", lambda: len(other.runners) == 2)
    assert len(capped.runners) == 1


def test_a_worker_hands_back_to_a_joining_one_without_waiting_for_a_slow_cycle(
    pg_dsn: str,
    fleet_schema: str,
    sandbox_config: SandboxConfig,
    run_worker: Callable[..., Worker],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Its runners are in a slow cycle (every orders page takes 3 s): the worker asks
    one to stop and goes on ticking; the lease goes back when that cycle is over, and
    only then can the newcomer claim it."""
    slow = dataclasses.replace(
        sandbox_config, keys=(key(0), key(1)), orders=20, faults="latency:3,path=/v1/orders*"
    )
    with serve_in_thread(slow) as shops:
        add_box_offices(
            pg_dsn,
            fleet_schema,
            SECRET,
            {"shop0": key(0), "shop1": key(1)},
            base_url=shops.base_url,
            sink=lambda name: f"postgres,table={sink_table(fleet_schema, name)}:{pg_dsn}",
        )
        first = run_worker()
        wait_for("both held by the first worker", lambda: len(first.runners) == 2 or None)
        second = run_worker()
        wait_for(
            "one asked to stop, mid-cycle",
            lambda: (len(first.runners), len(first.stopping)) == (1, 1) or None,
            timeout=TTL,
        )
        [(name, stopping)] = first.stopping.items()
        assert stopping.is_alive()  # still in its cycle: its lease is still the first's
        assert holders(pg_dsn, fleet_schema)[name] == first.id
        wait_for("the newcomer holds it", lambda: name in second.runners or None, timeout=30)
        assert not stopping.is_alive()
        assert len(first.runners) == 1
    assert audit_overlaps(pg_dsn, fleet_schema) == []
    assert "a tick took" not in caplog.text  # the first worker's ticks never waited
