"""The one-writer lease as a user meets it (issue 11 should-fix, issue 10 2).

Before: a second watcher on a busy state exited 1, the code documented for API errors;
``watch status`` showed a watcher killed with ``kill -9`` as running; and a holder was
known by host and pid only, so a pid reused by another process kept a dead watcher's
lease alive. Now a conflict exits 75 (EX_TEMPFAIL), a killed holder shows as stale, and
the holder's process start time tells a reused pid apart.
"""

from __future__ import annotations

import re
import signal
import sqlite3
from pathlib import Path

import pytest

from tests.reliability._cli import EXIT_BUSY, cli, lease_pid, poll, run, start
from tickettailor.sandbox import RunningSandbox
from tickettailor.watch.holder import this_process
from tickettailor.watch.state import LeaseError, StateStore

pytestmark = pytest.mark.slow


def watch_args(tmp_path: Path, *more: str) -> list[str]:
    state, out = tmp_path / "orders.sqlite3", tmp_path / "orders.jsonl"
    return ["watch", "orders", "--state", str(state), "--sink", f"jsonl:{out}", *more]


def test_a_second_watcher_exits_75_and_is_told_about_wait(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    state = tmp_path / "orders.sqlite3"
    holder = start(cli(sandbox, *watch_args(tmp_path, "--every", "0.3")))
    try:
        poll(lambda: lease_pid(state) == holder.pid, "the first watcher to hold the lease")
        second = run(cli(sandbox, *watch_args(tmp_path, "--once")))
    finally:
        holder.send_signal(signal.SIGINT)
        holder.communicate(timeout=30)
    assert second.returncode == EXIT_BUSY, second.stderr
    assert "in use by another watcher" in second.stderr
    assert f"pid {holder.pid}" in second.stderr
    assert "--wait" in second.stderr
    assert "Traceback" not in second.stderr


def test_the_exit_code_of_a_busy_state_is_in_the_help(sandbox: RunningSandbox) -> None:
    result = run(cli(sandbox, "watch", "orders", "--help"), extra={"COLUMNS": "200"})
    assert result.returncode == 0
    assert re.search(r"exits at once\s+with code 75", result.stdout), result.stdout


def test_status_shows_a_killed_watcher_as_stale_and_the_next_run_takes_over(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    state = tmp_path / "orders.sqlite3"
    holder = start(cli(sandbox, *watch_args(tmp_path, "--every", "60")))
    poll(lambda: lease_pid(state) == holder.pid, "the watcher to hold the lease")
    live = run(cli(sandbox, "watch", "status", "orders", "--state", str(state)))
    assert f"running:      pid {holder.pid} on " in live.stdout
    holder.send_signal(signal.SIGKILL)
    holder.communicate(timeout=30)
    status = run(cli(sandbox, "watch", "status", "orders", "--state", str(state)))
    assert status.returncode == 0, status.stderr
    assert f"running:      stale (pid {holder.pid} gone); the next run takes over" in status.stdout
    nxt = run(cli(sandbox, *watch_args(tmp_path, "--once")))
    assert nxt.returncode == 0, nxt.stderr


def _claim(path: Path, **lease: object) -> None:
    """Write a lease row as another process would have."""
    conn = sqlite3.connect(path)
    sets = ", ".join(f"{k} = ?" for k in lease)
    conn.execute(f"UPDATE lease SET {sets}", tuple(lease.values()))  # noqa: S608  (column names of this test)
    conn.commit()
    conn.close()


def test_a_pid_reused_by_another_process_does_not_keep_the_lease(tmp_path: Path) -> None:
    path = tmp_path / "orders.sqlite3"
    StateStore.open(path, resource="orders", key_fingerprint="fp").close()
    me = this_process()
    if me.pid_ns is None:
        pytest.skip("no /proc of this PID namespace: start times cannot be read here")
    # The lease names a live pid (this one), but a process started at another time.
    lease = {"holder": "x", "pid": me.pid, "host": me.host, "boot_id": me.boot_id}
    _claim(path, **lease, pid_ns=me.pid_ns, started="1", expires_at=4e9)
    store = StateStore.open(path, resource="orders", key_fingerprint="fp")
    store.acquire()  # at once: the holder is gone, its pid now names us
    store.close()
    # The same pid and start time: that is the holder, alive.
    _claim(path, **lease, pid_ns=me.pid_ns, started=me.started, expires_at=4e9)
    store = StateStore.open(path, resource="orders", key_fingerprint="fp")
    with pytest.raises(LeaseError, match="in use by another watcher"):
        store.acquire()
    store.close()
