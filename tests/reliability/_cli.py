"""Running the real ``tickettailor`` command in subprocesses, for the reliability tests."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tickettailor import Client
from tickettailor.sandbox import RunningSandbox

TICKETTAILOR = str(Path(sys.executable).parent / "tickettailor")  # the installed command
EXIT_BUSY = 75  # another watcher holds the state (EX_TEMPFAIL)


def env(crash: str | None = None, **extra: str) -> dict[str, str]:
    """The environment of a run: no TICKETTAILOR_* of the caller's, instant backoff."""
    out = {k: v for k, v in os.environ.items() if not k.startswith("TICKETTAILOR_")}
    out["TICKETTAILOR_TEST_MODE"] = "1"
    if crash:
        out["TICKETTAILOR_CRASH_AT"] = crash
    out.update(extra)
    return out


def cli(sb: RunningSandbox, *args: str) -> list[str]:
    """``tickettailor --api-key KEY --base-url URL ARGS...``."""
    return [TICKETTAILOR, "--api-key", sb.key, "--base-url", sb.base_url, *args]


def run(
    cmd: list[str], *, crash: str | None = None, extra: dict[str, str] | None = None, **kw: Any
) -> subprocess.CompletedProcess[str]:
    """Run to the end: exit code, stdout and stderr as text."""
    kw.setdefault("timeout", 120)
    environ = env(crash, **(extra or {}))
    return subprocess.run(cmd, env=environ, capture_output=True, text=True, check=False, **kw)


def start(cmd: list[str], **kw: Any) -> subprocess.Popen[str]:
    """A long-running command; stderr is captured (read it after it ends)."""
    kw.setdefault("env", env())
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, **kw)


def poll(condition: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
    """Wait for ``condition()`` to be truthy (and return it), or fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.05)


def lease_pid(state: Path) -> int | None:
    """The pid holding the state's lease (read-only look), or None."""
    if not state.exists():
        return None
    try:
        conn = sqlite3.connect(f"{state.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
        try:
            row = conn.execute("SELECT pid, holder FROM lease").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    return int(row[0]) if row and row[1] is not None else None


def order_ids(sb: RunningSandbox) -> set[str]:
    with Client(sb.key, base_url=sb.base_url) as client:
        return {o.id for o in client.orders.list()}


def jsonl_ids(path: Path) -> list[str]:
    """The record ids in a JSON-lines sink file (complete lines only)."""
    import json

    if not path.exists():
        return []
    text = path.read_text()
    lines = text[: text.rfind("\n") + 1].splitlines()
    return [json.loads(line)["data"]["id"] for line in lines if line.strip()]
