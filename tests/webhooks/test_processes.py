"""The receiver's two processes, each killed with SIGKILL under real deliveries.

``webhooks serve`` answers HTTP in a child process and forwards and relays in its own.
Killing the child: the command starts another on the same port, and every delivery,
answered before or retried after, reaches the sink once. Killing the command: the
child exits with it (the port is free again), and the next start forwards what was
stored but not yet delivered, once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.webhooks.conftest import SECRET, read_jsonl, resource_url, wait_for
from tests.webhooks.test_crash import _counts, _start
from tickettailor.sandbox import RunningSandbox
from tickettailor.sandbox.server import free_port
from tickettailor.sandbox.webhook_sender import WebhookSender
from tickettailor.webhooks.runner import FEEDER_NICE

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads processes from /proc")


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has exited


def _receivers(root: int) -> list[int]:
    """The live descendants of ``root`` with no children of their own: the receiver
    process (forked by the command, or by the fork server it starts for a restart)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and _alive(int(entry.name)):
            try:
                parents[int(entry.name)] = int(
                    (entry / "stat").read_text().rsplit(")", 1)[1].split()[1]
                )
            except (OSError, IndexError):
                continue
    descendants, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier}
        descendants |= frontier
    return sorted(p for p in descendants if p not in parents.values())


def _emit(sender: WebhookSender, sandbox: RunningSandbox, order: dict[str, Any]) -> str:
    (wh_id,) = sender.emit("ORDER.CREATED", resource_url(sandbox, "orders", order), order)
    return str(wh_id)


def _answered(sender: WebhookSender, ids: list[str]) -> bool:
    return all(sender.delivery(i)["state"] == "delivered" for i in ids)  # type: ignore[index]  # emitted


def _stop(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(20) == 0
    return proc.stderr.read() if proc.stderr else ""


def _orders(api_orders: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    return [{**api_orders[-1], "id": f"or_kill{i}"} for i in range(n)]


def _keys(out: Path) -> Counter[str]:
    return Counter(e["id"] for e in read_jsonl(out))


def test_the_receiver_process_killed_is_started_again_and_nothing_is_lost(
    tmp_path: Path, sandbox: RunningSandbox, api_orders: list[dict[str, Any]]
) -> None:
    port = free_port()
    orders = _orders(api_orders, 24)
    expected = Counter(f"order.created:{o['id']}" for o in orders)
    proc = _start(tmp_path, port)
    try:
        (first,) = _receivers(proc.pid)
        with WebhookSender(time_scale=0.0005, poll=0.05) as sender:
            sender.subscribe(f"http://127.0.0.1:{port}/tickettailor", secret=SECRET)
            ids = [_emit(sender, sandbox, o) for o in orders[:12]]
            wait_for(lambda: _answered(sender, ids[:3]), what="the first deliveries answered")
            os.kill(first, signal.SIGKILL)
            ids += [_emit(sender, sandbox, o) for o in orders[12:]]
            wait_for(lambda: _answered(sender, ids), timeout=60, what="every delivery answered")
        wait_for(lambda: _keys(tmp_path / "out.jsonl") == expected, what="every order delivered")
        assert proc.poll() is None
        assert _receivers(proc.pid) not in ([], [first])
        stderr = _stop(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    assert "the webhook receiver process stopped (exit code -9); starting it again" in stderr
    assert _keys(tmp_path / "out.jsonl") == expected  # each once
    assert _counts(tmp_path) == {"forwarded": 24}


def test_the_command_killed_takes_its_receiver_with_it_and_the_next_start_delivers(
    tmp_path: Path, sandbox: RunningSandbox, api_orders: list[dict[str, Any]]
) -> None:
    port = free_port()
    orders = _orders(api_orders, 16)
    expected = Counter(f"order.created:{o['id']}" for o in orders)
    proc = _start(tmp_path, port)
    try:
        (child,) = _receivers(proc.pid)
        with WebhookSender(time_scale=0.0005, poll=0.05) as sender:
            sender.subscribe(f"http://127.0.0.1:{port}/tickettailor", secret=SECRET)
            ids = [_emit(sender, sandbox, o) for o in orders]
            wait_for(lambda: _answered(sender, ids), timeout=30, what="every delivery answered")
        proc.kill()  # answered, perhaps not yet forwarded or relayed
        assert proc.wait(10) == -signal.SIGKILL
        wait_for(lambda: not _alive(child), what="the receiver process to exit")
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    again = _start(tmp_path, port)  # the port is free: nothing of the old one listens
    try:
        wait_for(lambda: _keys(tmp_path / "out.jsonl") == expected, what="every order delivered")
        _stop(again)
    finally:
        if again.poll() is None:
            again.kill()
        again.wait()
    assert _keys(tmp_path / "out.jsonl") == expected  # each once
    assert _counts(tmp_path) == {"forwarded": 16}


def test_sigterm_to_the_whole_group_stops_both_processes_cleanly(
    tmp_path: Path, sandbox: RunningSandbox, api_orders: list[dict[str, Any]]
) -> None:
    # A service manager stopping the service signals every process in it.
    port = free_port()
    proc = _start(tmp_path, port, new_session=True)
    try:
        (child,) = _receivers(proc.pid)
        with WebhookSender(time_scale=0.0005, poll=0.05) as sender:
            sender.subscribe(f"http://127.0.0.1:{port}/tickettailor", secret=SECRET)
            ids = [_emit(sender, sandbox, o) for o in _orders(api_orders, 4)]
            wait_for(lambda: _answered(sender, ids), what="every delivery answered")
        wait_for(lambda: len(_keys(tmp_path / "out.jsonl")) == 4, what="the orders delivered")
        os.killpg(proc.pid, signal.SIGTERM)
        assert proc.wait(20) == 0
        wait_for(lambda: not _alive(child), what="the receiver process to exit")
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    stderr = proc.stderr.read() if proc.stderr else ""
    assert "Stopped; every acknowledged delivery is stored." in stderr
    assert "starting it again" not in stderr
    assert _counts(tmp_path) == {"forwarded": 4}


def _nice(pid: int, thread: int | None = None) -> int:
    """The nice value of ``pid``'s thread ``thread`` (its main thread by default)."""
    stat = Path(f"/proc/{pid}/task/{thread or pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[16])


def test_the_command_forwards_at_a_lower_priority_than_its_receiver_answers(
    tmp_path: Path,
) -> None:
    # On a busy machine the receiver's process, which answers Ticket Tailor, gets the
    # CPU before the forwarding (FEEDER_NICE): its threads keep the command's priority.
    base = os.getpriority(os.PRIO_PROCESS, 0)
    proc = _start(tmp_path, free_port())
    try:
        wait_for(lambda: _nice(proc.pid) == min(19, base + FEEDER_NICE), what="the feeder niced")
        (receiver,) = _receivers(proc.pid)
        threads = [int(t.name) for t in Path(f"/proc/{receiver}/task").iterdir()]
        assert len(threads) >= 3  # its main thread, uvicorn's, the inbox writer
        assert {_nice(receiver, t) for t in threads} == {base}
        _stop(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
