"""The lease across PID namespaces: containers sharing a volume and a host name (issue 11, 3).

Before: the stale-holder check was ``os.kill(pid, 0)`` on the same host name, so a
watcher in another PID namespace, where the holder's pid does not exist, took a live
lease at once (two writers); and a namespaced holder's pid (1 or 2 there) named some
other live process everywhere else. Now a pid is checked only inside the holder's own
namespace and boot; anywhere else the lease's expiry decides. The namespaces are real:
``unshare --pid --fork --mount-proc`` (we run as root in CI and here).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.reliability._cli import EXIT_BUSY, cli, env, lease_pid, poll, run, start
from tickettailor.sandbox import RunningSandbox
from tickettailor.watch.state import LeaseError, StateStore

UNSHARE = ["unshare", "--pid", "--fork", "--mount-proc"]


def _unshare_refused() -> str | None:
    """Why a PID namespace cannot be made here, or None when it can."""
    if shutil.which("unshare") is None:
        return "the unshare command (util-linux) is not installed"
    probe = subprocess.run([*UNSHARE, "true"], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        why = probe.stderr.strip()
        return f"unshare --pid is not permitted here (needs root or CAP_SYS_ADMIN): {why}"
    return None


_REFUSED = _unshare_refused()
pytestmark = [pytest.mark.slow, pytest.mark.skipif(_REFUSED is not None, reason=str(_REFUSED))]


def test_a_watcher_in_another_pid_namespace_does_not_take_a_live_lease(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    state = tmp_path / "orders.sqlite3"
    args = ["watch", "orders", "--state", str(state), "--sink", f"jsonl:{tmp_path / 'a.jsonl'}"]
    holder = start(cli(sandbox, *args, "--every", "0.3"))
    try:
        poll(lambda: lease_pid(state) == holder.pid, "the first watcher to hold the lease")
        other = run(
            [*UNSHARE, *cli(sandbox, *args[:-1], f"jsonl:{tmp_path / 'b.jsonl'}", "--once")]
        )
        assert holder.poll() is None, "the first watcher stopped"
    finally:
        holder.send_signal(signal.SIGINT)
        _, err = holder.communicate(timeout=30)
    assert other.returncode == EXIT_BUSY, other.stderr
    assert "in use by another watcher" in other.stderr
    assert "another PID namespace" in other.stderr
    assert holder.returncode == 130, err  # it kept its lease to the end
    assert not (tmp_path / "b.jsonl").exists() or not (tmp_path / "b.jsonl").read_text()


HOLD = """
import sys, threading
from tickettailor.watch.state import StateStore
ttl = float(sys.argv[2])
store = StateStore.open(sys.argv[1], resource="orders", key_fingerprint="fp", lease_ttl=ttl)
store.acquire()
print("held", flush=True)
threading.Event().wait()
"""


def test_a_holder_in_another_namespace_is_trusted_until_its_lease_expires(
    tmp_path: Path,
) -> None:
    path = tmp_path / "orders.sqlite3"
    StateStore.open(path, resource="orders", key_fingerprint="fp").close()
    ttl = 3.0
    holder = subprocess.Popen(
        [*UNSHARE, sys.executable, "-c", HOLD, str(path), str(ttl)],
        env=env(),
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "held"
    assert lease_pid(path) == 1  # the first process of its namespace; here, init's pid
    store = StateStore.open(path, resource="orders", key_fingerprint="fp")
    status = store.status()
    assert status.holder is not None
    assert "pid 1 on" in status.holder
    assert "another PID namespace" in status.holder
    os.killpg(holder.pid, signal.SIGKILL)  # the whole container goes
    holder.wait(timeout=30)
    # Its pid means nothing here: the lease holds until it expires, then it is free.
    with pytest.raises(LeaseError, match="another PID namespace"):
        store.acquire()
    store.acquire(wait=ttl + 10)
    assert store.token is not None
    store.close()
