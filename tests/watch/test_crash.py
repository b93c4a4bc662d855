"""kill -9 at every named point of a cycle: the real command, a real sandbox on loopback.

For every crash point, ``tickettailor watch orders --once`` runs in a subprocess that
SIGKILLs itself there (``TICKETTAILOR_CRASH_AT``; the points run side by side, each with
its own state and sinks); then more sales come in, each is run again, and the test
checks what the sinks got: every order exactly as the API returns it, none missing; in
the JSON lines no key twice, except after a kill inside the relay, where at-least-once
delivery repeats the keys sent but not yet marked (at most one batch of 50); in the
SQLite sink, which applies each key once, exactly one row per order.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.watch.sandbox_data import add_orders
from tickettailor import Client
from tickettailor.sandbox import RunningSandbox, SandboxConfig, serve_in_thread
from tickettailor.watch.crash import CRASH_POINTS

pytestmark = pytest.mark.slow
TICKETTAILOR = str(Path(sys.executable).parent / "tickettailor")  # the installed command

# Which hit of each point to die at: past the first page or envelope, mid-run.
NTH = {
    "after_fetch": 2,
    "after_outbox_insert": 2,
    "before_position_commit": 2,
    "after_position_commit": 2,
    "before_sink_send": 90,
    "after_sink_ack": 110,
    "after_mark_delivered": 2,
}


@pytest.fixture(scope="module")
def live(sandbox_config: SandboxConfig) -> Iterator[RunningSandbox]:
    """A private sandbox for this module (tests add orders to it)."""
    with serve_in_thread(dataclasses.replace(sandbox_config, orders=120)) as running:
        yield running


def watch_cmd(sb: RunningSandbox, state: Path, out: Path, *args: str) -> list[str]:
    cmd = [TICKETTAILOR, "--api-key", sb.key, "--base-url", sb.base_url, "watch", "orders"]
    cmd += ["--state", str(state), "--sink", f"jsonl:{out}"]
    return [*cmd, "--sink", f"sqlite:{out.with_suffix('.db')}", *args]


def watch_env(crash: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TICKETTAILOR_")}
    env["TICKETTAILOR_TEST_MODE"] = "1"
    if crash:
        env["TICKETTAILOR_CRASH_AT"] = crash
    return env


def run_watch(
    sb: RunningSandbox, state: Path, out: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    cmd = watch_cmd(sb, state, out, *args)
    return subprocess.run(
        cmd, env=watch_env(), capture_output=True, text=True, timeout=120, check=False
    )


def run_all(commands: dict[str, tuple[list[str], dict[str, str]]]) -> dict[str, tuple[int, str]]:
    """Run the commands side by side; (exit code, stderr) of each."""
    procs = {
        name: subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for name, (cmd, env) in commands.items()
    }
    results = {}
    for name, proc in procs.items():
        _, err = proc.communicate(timeout=180)
        results[name] = (proc.returncode, err.decode(errors="replace"))
    return results


def all_orders(sb: RunningSandbox) -> dict[str, dict]:
    with Client(sb.key, base_url=sb.base_url) as client:
        return {o.id: o.raw for o in client.orders.list()}


def delivered(out: Path) -> list[dict]:
    # Only complete lines: the watch may be writing the next one as we read.
    text = out.read_text()
    return [json.loads(line) for line in text[: text.rfind("\n") + 1].splitlines() if line.strip()]


def test_kill_9_at_each_point_loses_nothing_and_repeats_nothing(
    live: RunningSandbox, tmp_path: Path
) -> None:
    files = {p: (tmp_path / f"{p}.sqlite3", tmp_path / f"{p}.jsonl") for p in CRASH_POINTS}
    add_orders(live, 30)  # many orders in one second, across a page boundary
    crashed = run_all(
        {
            p: (watch_cmd(live, *files[p], "--once", "--start", "all"), watch_env(f"{p}:{NTH[p]}"))
            for p in CRASH_POINTS
        }
    )
    for point, (code, err) in crashed.items():
        assert code == -signal.SIGKILL, f"{point} was not reached: {err}"
    add_orders(live, 12)
    # Restart: --start is ignored now, the state says where to go on.
    again = run_all(
        {p: (watch_cmd(live, *files[p], "--once", "--start", "now"), watch_env()) for p in files}
    )
    orders = all_orders(live)
    for point, (_state, out) in files.items():
        code, err = again[point]
        assert code == 0, f"{point}: {err}"
        check_delivery(point, orders, out)


def check_delivery(point: str, orders: dict[str, dict], out: Path) -> None:
    envelopes = delivered(out)
    keys = Counter(e["id"] for e in envelopes)
    assert set(keys) == {f"order.created:{oid}" for oid in orders}, point
    for env in envelopes:
        assert env["data"] == orders[env["data"]["id"]], point
        assert env["type"] == "order.created"
    repeats = sum(keys.values()) - len(keys)
    if point in ("before_sink_send", "after_sink_ack"):
        assert 0 < repeats <= 50, point  # the batch sent but not yet marked, same keys
    else:
        assert repeats == 0, point
    # A sink that honours the key (the SQLite sink upserts on it) holds each order once.
    with sqlite3.connect(out.with_suffix(".db")) as db:
        rows = db.execute("SELECT id, data FROM tickettailor_events").fetchall()
    assert len(rows) == len(orders), point
    assert {key: json.loads(data) for key, data in rows} == {
        f"order.created:{oid}": record for oid, record in orders.items()
    }, point


def test_second_watcher_on_the_same_state_is_told_and_waits_for_none(
    live: RunningSandbox, tmp_path: Path
) -> None:
    state, out = tmp_path / "orders.sqlite3", tmp_path / "out.jsonl"
    cmd = watch_cmd(live, state, out, "--every", "0.2", "--start", "all")
    first = subprocess.Popen(cmd, env=watch_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not (out.exists() and len(delivered(out)) >= 120):
            assert first.poll() is None, first.stderr.read() if first.stderr else ""
            assert time.monotonic() < deadline, "the first watcher delivered nothing"
            time.sleep(0.1)
        second = run_watch(live, state, tmp_path / "other.jsonl", "--once")
        assert second.returncode == 75  # EX_TEMPFAIL: busy, try again later
        assert "in use by another watcher" in second.stderr
        assert f"pid {first.pid}" in second.stderr
        assert not (tmp_path / "other.jsonl").exists() or delivered(tmp_path / "other.jsonl") == []
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    # The holder is dead: the next watcher takes over at once and goes on, no repeats.
    add_orders(live, 3)
    after = run_watch(live, state, out, "--once")
    assert after.returncode == 0, after.stderr
    keys = Counter(e["id"] for e in delivered(out))
    assert set(keys) == {f"order.created:{oid}" for oid in all_orders(live)}
    assert max(keys.values()) <= 2  # the kill may land after an ack, before its mark


def test_ctrl_c_stops_cleanly_and_frees_the_state(live: RunningSandbox, tmp_path: Path) -> None:
    state, out = tmp_path / "orders.sqlite3", tmp_path / "out.jsonl"
    cmd = watch_cmd(live, state, out, "--every", "0.2", "--start", "all")
    proc = subprocess.Popen(cmd, env=watch_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not (out.exists() and delivered(out)):
        assert proc.poll() is None
        assert time.monotonic() < deadline, "nothing was delivered"
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert b"stopped" in err
    assert b"Traceback" not in err
    status = subprocess.run(
        [TICKETTAILOR, "watch", "status", "orders", "--state", str(state), "--json"],
        env=watch_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(status.stdout)["running"] is None  # the lease was given back
