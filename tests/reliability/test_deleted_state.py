"""A state deleted or replaced under a running watch (issue 11, 4).

Before: after ``rm state.sqlite3*`` the running watch went on writing to the deleted
file while a new watch on the same path started beside it: two writers, 78 keys
delivered twice in 8 s. Now the running watch compares its path with the file it
opened before every write, and stops with a clear error.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from tests.reliability._cli import cli, jsonl_ids, lease_pid, poll, run, start
from tickettailor.sandbox import RunningSandbox

pytestmark = pytest.mark.slow


def watch_args(state: Path, out: Path, *more: str) -> list[str]:
    return ["watch", "orders", "--state", str(state), "--sink", f"jsonl:{out}", *more]


def run_until_stopped(
    sandbox: RunningSandbox, tmp_path: Path, change: str
) -> tuple[int | None, str]:
    """Start a watch, let it deliver, ``change`` its state file, and wait for it to stop."""
    state, out = tmp_path / "orders.sqlite3", tmp_path / "orders.jsonl"
    proc = start(cli(sandbox, *watch_args(state, out, "--every", "0.2", "--start", "all")))
    try:
        poll(lambda: len(jsonl_ids(out)) >= 400, "the watch to deliver the orders")
        if change == "deleted":
            for name in ("orders.sqlite3", "orders.sqlite3-wal", "orders.sqlite3-shm"):
                (tmp_path / name).unlink(missing_ok=True)
        else:
            other = tmp_path / "other"
            other.mkdir()
            made = run(cli(sandbox, *watch_args(other / "s.sqlite3", other / "o.jsonl", "--once")))
            assert made.returncode == 0, made.stderr
            os.replace(other / "s.sqlite3", state)
        poll(lambda: proc.poll() is not None, "the running watch to notice and stop", timeout=20)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        _, err = proc.communicate(timeout=30)
    return proc.returncode, err


def test_deleting_the_state_under_a_running_watch_stops_it(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    code, err = run_until_stopped(sandbox, tmp_path, "deleted")
    assert code == 1, err
    assert "orders.sqlite3 was deleted while this process was using it" in err
    assert "Traceback" not in err
    # The next watch on the path starts a new state, and is the only writer.
    state, out = tmp_path / "orders.sqlite3", tmp_path / "next.jsonl"
    again = run(cli(sandbox, *watch_args(state, out, "--once", "--start", "all")))
    assert again.returncode == 0, again.stderr
    assert len(jsonl_ids(out)) == 400
    assert lease_pid(state) is None


def test_replacing_the_state_under_a_running_watch_stops_it(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    code, err = run_until_stopped(sandbox, tmp_path, "replaced")
    assert code == 1, err
    assert "orders.sqlite3 was replaced by another file while this process was using it" in err
