"""kill -9 while a watch state or a webhook inbox is being created (issue 11, 1).

Before: the WAL pragma made the file non-empty before its schema was committed, so a
first run killed then left a file that every later start refused ("it holds other
data; move the file away"): under a supervisor, a restart loop for ever. Now each file
is built under a temporary name and put in place whole. For every point of creation,
the real command is killed there (``TICKETTAILOR_CRASH_AT``) and started again: it must
run and deliver. Files left by an older version killed mid-creation are finished, and
every file the state and the inbox consist of is owner-only.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability._cli import TICKETTAILOR, cli, env, jsonl_ids, order_ids, poll, run
from tickettailor.sandbox import RunningSandbox, SandboxConfig, serve_in_thread
from tickettailor.watch.crash import CREATION_POINTS
from tickettailor.webhooks.inbox import Inbox

pytestmark = pytest.mark.slow

# What an older tickettailor did when creating a file, killed before the commit.
OLD_HALF_CREATION = """
import os, signal, sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA journal_mode=WAL")
conn.execute("BEGIN IMMEDIATE")
conn.execute("CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)")
os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.fixture(scope="module")
def small(sandbox_config: SandboxConfig) -> Iterator[RunningSandbox]:
    with serve_in_thread(dataclasses.replace(sandbox_config, orders=30)) as running:
        yield running


def watch_cmd(sb: RunningSandbox, folder: Path) -> list[str]:
    state, out = folder / "orders.sqlite3", folder / "orders.jsonl"
    args = ["watch", "orders", "--once", "--start", "all", "--state", str(state)]
    return cli(sb, *args, "--sink", f"jsonl:{out}")


def side_by_side(
    commands: dict[str, tuple[list[str], dict[str, str]]],
) -> dict[str, tuple[int, str]]:
    procs = {
        name: subprocess.Popen(cmd, env=e, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for name, (cmd, e) in commands.items()
    }
    return {
        name: (proc.wait(timeout=120), proc.communicate()[1].decode(errors="replace"))
        for name, proc in procs.items()
    }


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".creating-" in p.name)


def test_a_watch_killed_at_each_point_of_creating_its_state_runs_when_started_again(
    small: RunningSandbox, tmp_path: Path
) -> None:
    folders = {point: tmp_path / point for point in CREATION_POINTS}
    for folder in folders.values():
        folder.mkdir()
    crashed = side_by_side({p: (watch_cmd(small, f), env(crash=p)) for p, f in folders.items()})
    for point, (code, err) in crashed.items():
        assert code == -signal.SIGKILL, f"{point} was not reached: {err}"
    again = side_by_side({p: (watch_cmd(small, f), env()) for p, f in folders.items()})
    expected = order_ids(small)
    for point, folder in folders.items():
        code, err = again[point]
        assert code == 0, f"killed at {point}, the next start failed: {err}"
        assert sorted(jsonl_ids(folder / "orders.jsonl")) == sorted(expected), point
    # A killed creation's temporary file goes once it is clearly abandoned.
    stale = time.time() - 120
    for folder in folders.values():
        for name in leftovers(folder):
            os.utime(folder / name, (stale, stale))
    for point, folder in folders.items():
        assert run(watch_cmd(small, folder)).returncode == 0
        assert leftovers(folder) == [], point


def test_a_state_half_created_by_an_older_version_is_finished(
    small: RunningSandbox, tmp_path: Path
) -> None:
    state = tmp_path / "orders.sqlite3"
    killed = subprocess.run([sys.executable, "-c", OLD_HALF_CREATION, str(state)], check=False)
    assert killed.returncode == -signal.SIGKILL
    assert state.stat().st_size > 0  # the file that used to be refused for ever
    result = run(watch_cmd(small, tmp_path))
    assert result.returncode == 0, result.stderr
    assert "holds other data" not in result.stderr
    assert sorted(jsonl_ids(tmp_path / "orders.jsonl")) == sorted(order_ids(small))


def serve_cmd(folder: Path) -> list[str]:
    """The receiver on the orders state in ``folder``: no API key needed."""
    out = folder / "hooks.jsonl"
    args = ["webhooks", "serve", "orders", "--state", str(folder), "--port", "0"]
    return [TICKETTAILOR, *args, "--allow-unsigned", "--sink", f"jsonl:{out}"]


def serve_until_listening(folder: Path) -> tuple[int, str]:
    """Start the receiver, wait for its address, stop it: (exit code, stderr)."""
    proc = subprocess.Popen(
        serve_cmd(folder), env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    assert proc.stderr is not None
    seen: list[str] = []

    def listening() -> bool:
        line = proc.stderr.readline() if proc.poll() is None else ""
        seen.append(line)
        return "http://127.0.0.1:" in line or proc.poll() is not None

    try:
        poll(listening, "the receiver to listen")
    finally:
        proc.send_signal(signal.SIGTERM)
        _, rest = proc.communicate(timeout=30)
    return proc.returncode, "".join(seen) + rest


@pytest.mark.parametrize("point", CREATION_POINTS)
def test_a_receiver_killed_at_each_point_of_creating_its_inbox_starts_again(
    point: str, tmp_path: Path
) -> None:
    # The orders state is created first (1st hit), the inbox second.
    crashed = subprocess.run(
        serve_cmd(tmp_path),
        env=env(crash=f"{point}:2"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    code, err = serve_until_listening(tmp_path)
    assert code == 0, err
    assert "not a tickettailor webhook inbox" not in err
    inbox = Inbox.open(tmp_path / "webhooks.sqlite3")
    assert inbox.counts() == {}
    inbox.close()


def test_an_inbox_half_created_by_an_older_version_is_finished(tmp_path: Path) -> None:
    inbox = tmp_path / "webhooks.sqlite3"
    subprocess.run([sys.executable, "-c", OLD_HALF_CREATION, str(inbox)], check=False)
    code, err = serve_until_listening(tmp_path)
    assert code == 0, err
    assert "not a tickettailor webhook inbox" not in err


def test_state_and_inbox_files_are_owner_only_from_the_start(tmp_path: Path) -> None:
    """The records hold buyers' personal data: the database, -wal and -shm are 0600,
    also under the usual umask 022, while they are in use."""
    from tickettailor.watch.state import StateStore

    old = os.umask(0o022)
    try:
        store = StateStore.open(
            tmp_path / "orders.sqlite3", resource="orders", key_fingerprint="fp"
        )
        store.acquire()
        inbox = Inbox.open(tmp_path / "webhooks.sqlite3")
        inbox.counts()
    finally:
        os.umask(old)
    try:
        files = {p.name: p.stat().st_mode & 0o777 for p in tmp_path.iterdir()}
        for base in ("orders.sqlite3", "webhooks.sqlite3"):
            for name in (base, base + "-wal", base + "-shm"):
                assert files.get(name) == 0o600, (name, oct(files.get(name) or 0))
    finally:
        store.close()
        inbox.close()


def test_files_left_world_readable_by_an_older_version_become_owner_only(tmp_path: Path) -> None:
    from tickettailor.watch.state import StateStore

    path = tmp_path / "orders.sqlite3"
    StateStore.open(path, resource="orders", key_fingerprint="fp").close()
    path.chmod(0o644)
    keep = sqlite3.connect(path)  # holds -wal and -shm open, as a running watch would
    keep.execute("SELECT * FROM meta").fetchall()
    for name in (path.name + "-wal", path.name + "-shm"):
        (tmp_path / name).chmod(0o644)
    store = StateStore.open(path, resource="orders", key_fingerprint="fp")
    try:
        for name in (path.name, path.name + "-wal", path.name + "-shm"):
            assert (tmp_path / name).stat().st_mode & 0o777 == 0o600, name
    finally:
        store.close()
        keep.close()
