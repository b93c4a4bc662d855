"""Helpers for fleet tests and bench/bench_fleet.py: box offices, worker processes, audits."""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from tickettailor.fleet import registry
from tickettailor.fleet.db import Db
from tickettailor.fleet.secrets import Secrets
from tickettailor.fleet.worker import Worker
from tickettailor.watch.engine import fingerprint


def wait_for(what: str, check: Callable[[], Any], timeout: float = 30.0, step: float = 0.1) -> Any:
    """Poll ``check`` until it returns something truthy; fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(step)


def add_box_offices(
    dsn: str,
    schema: str,
    secret: str,
    keys: dict[str, str],
    *,
    base_url: str,
    sink: Callable[[str], str],
    every: float = 1.0,
    start: str = "all",
) -> None:
    """Add each ``name: key`` (no overview check: the CLI test covers ``fleet add``)."""
    db = Db.open(dsn, schema)
    try:
        for name, key in keys.items():
            registry.add(
                db,
                Secrets(secret),
                name=name,
                api_key=key,
                key_fingerprint=fingerprint(key),
                box_office=name,
                base_url=base_url,
                watches=("orders",),
                sinks=[sink(name)],
                every=every,
                start=start,
            )
    finally:
        db.close()


@dataclass
class WorkerProcess:
    proc: subprocess.Popen[bytes]
    log: Any

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def term(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=30)


def worker_env(dsn: str, secret: str) -> dict[str, str]:
    """This environment without our own settings, plus the fleet's secret and database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TICKETTAILOR_")}
    return env | {"TICKETTAILOR_FLEET_SECRET": secret, "TICKETTAILOR_POSTGRES": dsn}


def start_worker(
    dsn: str, schema: str, secret: str, *, ttl: float, log_path: str, extra: tuple[str, ...] = ()
) -> WorkerProcess:
    env = worker_env(dsn, secret)
    log = open(log_path, "ab")  # noqa: SIM115  (closed with the process)
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("tickettailor")),
            "worker",
            "--schema",
            schema,
            "--lease-ttl",
            str(ttl),
            *extra,
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    return WorkerProcess(proc, log)


def holders(dsn: str, schema: str) -> dict[str, str]:
    """Box office -> the worker holding a valid lease on it."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = conn.execute(
            f"SELECT name, holder FROM {schema}.leases "  # noqa: S608  (a test's own schema)
            "WHERE holder IS NOT NULL AND expires_at > extract(epoch FROM now())"
        ).fetchall()
    return {str(n): str(h) for n, h in rows}


def audit_overlaps(dsn: str, schema: str) -> list[str]:
    """Grants that overlapped the previous holder's lease (there must be none).

    A grant is safe when the lease was free (released: no holder) or had expired at
    the moment of the grant; the previous token can write no more from then on (every
    write checks the token), so two holders never wrote for one box office at once.
    """
    with psycopg.connect(dsn, autocommit=True) as conn:
        columns = "name, token, holder, granted_at, ended_at, prev_holder, prev_expires_at"
        query = f"SELECT {columns} FROM {schema}.lease_audit ORDER BY name, token"  # noqa: S608  (a test's own schema)
        rows = conn.execute(query).fetchall()
    problems = []
    for _name, _token, _holder, granted, _ended, prev_holder, prev_expires in rows:
        if prev_holder is not None and prev_expires is not None and prev_expires > granted:
            problems.append(f"{_name} token {_token} granted while {prev_holder} held it")
    by_name: dict[str, list[Any]] = {}
    for row in rows:
        by_name.setdefault(row[0], []).append(row)
    for name, grants in by_name.items():
        for before, after in itertools.pairwise(grants):
            if before[4] is not None and before[4] > after[3]:
                problems.append(f"{name} token {after[1]} granted before {before[1]} ended")
    return problems


@contextlib.contextmanager
def running(worker: Worker) -> Iterator[Worker]:
    """Run an in-process worker in a thread for the block, then stop it (hand-back)."""
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    try:
        yield worker
    finally:
        stop.set()
        worker.wake.set()
        thread.join(timeout=30)
