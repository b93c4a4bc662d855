"""Soak: random kill -9s of a real `tickettailor watch` under live sales and API faults.

A sandbox sells (``--sales-per-minute``, default 600) while its API misbehaves
(``--faults``: 5xx, 429 and dropped connections on the order list by default). The
real command ``tickettailor watch orders --every 0.2`` runs in a subprocess, delivering
to a SQLite sink and a JSON-lines sink, and is killed with SIGKILL at a random moment
(``--min-run`` to ``--max-run`` seconds after it starts), ``--kills`` times (default
50), each time restarted on the same state. Then sales stop, the faults are cleared,
and ``watch orders --once`` catches up.

At the end it prints, per sink, the orders in the sandbox, how many are missing, SQL
rows stored more than once (the SQLite sink upserts by key: must be 0) and extra keys;
JSON lines may repeat a key (at-least-once: a kill between a send and its mark), so
their repeats are counted, not failed. Exit status 1 if anything is missing,
duplicated in SQL, or unexpected. ``--json`` adds one JSON line with the figures.

Run: .venv/bin/python bench/soak.py [--kills 50] [--seed 7] [--json]
(tests/reliability/test_soak_short.py runs it with --kills 5.)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2

from tickettailor import Client
from tickettailor.sandbox import RunningSandbox, SandboxConfig, serve_in_thread

FAULTS = (
    "status:503,path=/v1/orders*,p=0.1; 429,path=/v1/orders*,p=0.05,retry_after=1; "
    "drop,path=/v1/orders*,p=0.05"
)


@dataclass
class Files:
    state: Path
    jsonl: Path
    sqlite: Path


def _command() -> list[str]:
    installed = Path(sys.executable).parent / "tickettailor"
    if installed.exists():
        return [str(installed)]
    return [sys.executable, "-c", "from tickettailor.cli.main import main; main()"]


def _watch(sb: RunningSandbox, files: Files, *args: str) -> list[str]:
    return [
        *_command(),
        *("--api-key", sb.key, "--base-url", sb.base_url, "watch", "orders"),
        # New orders only: the simulator's refunds would add order.updated rows, which
        # the soak's count of one row per order does not expect (changes: issue 14).
        *("--state", str(files.state), "--start", "all", "--no-updates"),
        *("--sink", f"jsonl:{files.jsonl}", "--sink", f"sqlite:{files.sqlite}", *args),
    ]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TICKETTAILOR_")}
    env["TICKETTAILOR_TEST_MODE"] = "1"  # instant retry backoff: more cycles per run
    return env


def _lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    text = path.read_text("utf-8")
    return [json.loads(line) for line in text[: text.rfind("\n") + 1].splitlines() if line]


def _kill_loop(sb: RunningSandbox, files: Files, args: argparse.Namespace) -> tuple[int, int]:
    """Start the watch, SIGKILL it at a random moment, ``args.kills`` times. Returns the
    kills and how many of the killed runs had delivered something (killed at work)."""
    rng = random.Random(args.seed)
    command = _watch(sb, files, "--every", "0.2")
    kills = working = 0
    while kills < args.kills:
        before = len(_lines(files.jsonl))
        proc = subprocess.Popen(
            command, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        # The first run creates its state and delivers before the first kill (kills
        # during creation are tests/reliability's): later kills land anywhere.
        if kills == 0:
            _wait_first_delivery(proc, files.jsonl)
        else:
            time.sleep(rng.uniform(args.min_run, args.max_run))  # the soak's random moment
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise SystemExit(f"the watch exited by itself ({proc.returncode}):\n{err}")
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if proc.stderr:
            proc.stderr.close()
        kills += 1
        working += len(_lines(files.jsonl)) > before
        if args.progress:
            print(f"\rkills: {kills}/{args.kills}", end="", flush=True)
    if args.progress:
        print()
    return kills, working


def _wait_first_delivery(proc: subprocess.Popen[bytes], jsonl: Path) -> None:
    deadline = time.monotonic() + 60
    while not _lines(jsonl):
        if proc.poll() is not None or time.monotonic() > deadline:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            proc.kill()
            raise SystemExit(f"the first watch delivered nothing:\n{err}")
        time.sleep(0.1)  # polling the sink file, with a deadline


def _catch_up(sb: RunningSandbox, files: Files) -> None:
    """Sales stop, faults go; ``--once`` until a run finds nothing more to do."""
    sb.sandbox.start_simulator(0)  # waits for a sale in progress
    httpx2.delete(f"{sb.base_url}/_sandbox/faults").raise_for_status()
    for _ in range(3):
        done = subprocess.run(
            _watch(sb, files, "--once"),
            env=_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"the final --once failed:\n{done.stderr.decode(errors='replace')}")


def _figures(expected: set[str], files: Files) -> dict[str, dict[str, int]]:
    want = {f"order.created:{oid}" for oid in expected}
    with sqlite3.connect(files.sqlite) as db:
        rows = [key for (key,) in db.execute("SELECT id FROM tickettailor_events")]
    sql_keys = Counter(rows)
    lines = Counter(e["id"] for e in _lines(files.jsonl))
    return {
        "sqlite": {
            "orders": len(want),
            "missing": len(want - set(sql_keys)),
            "duplicates": sum(sql_keys.values()) - len(sql_keys),
            "extra": len(set(sql_keys) - want),
            "stored": sum(sql_keys.values()),
        },
        "jsonl": {
            "orders": len(want),
            "missing": len(want - set(lines)),
            "duplicates": sum(lines.values()) - len(lines),  # repeats allowed here
            "extra": len(set(lines) - want),
            "stored": sum(lines.values()),
        },
    }


def _report(figures: dict[str, dict[str, int]], kills: tuple[int, int], seconds: float) -> bool:
    orders = figures["sqlite"]["orders"]
    print(
        f"soak: {kills[0]} kill -9s in {seconds:.0f} s ({kills[1]} of the killed runs had "
        f"delivered); {orders} orders in the sandbox"
    )
    print(f"{'sink':<8} {'orders':>7} {'missing':>8} {'dups':>6} {'extra':>6} {'stored':>7}")
    for sink, row in figures.items():
        print(
            f"{sink:<8} {row['orders']:>7} {row['missing']:>8} {row['duplicates']:>6} "
            f"{row['extra']:>6} {row['stored']:>7}"
        )
    print("(dups: SQL rows stored twice, must be 0; JSON lines repeating a key, allowed)")
    bad = any(row["missing"] or row["extra"] for row in figures.values())
    return not (bad or figures["sqlite"]["duplicates"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=50, help="kill -9s (default 50)")
    parser.add_argument("--sales-per-minute", type=float, default=600.0)
    parser.add_argument("--faults", default=FAULTS, help="sandbox --faults rules")
    parser.add_argument("--seed", type=int, default=7, help="sandbox data and kill moments")
    parser.add_argument("--min-run", type=float, default=0.3, help="seconds before a kill")
    parser.add_argument("--max-run", type=float, default=3.0, help="seconds before a kill")
    parser.add_argument("--keep", action="store_true", help="keep the state and sink files")
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = parser.parse_args(argv)
    args.progress = sys.stdout.isatty()
    folder = Path(tempfile.mkdtemp(prefix="tt-soak-"))
    files = Files(folder / "orders.sqlite3", folder / "out.jsonl", folder / "out.db")
    config = SandboxConfig(
        seed=args.seed,
        orders=100,
        rate_limit=None,
        sales_per_minute=args.sales_per_minute,
        faults=args.faults,
    )
    started = time.monotonic()
    try:
        with serve_in_thread(config) as sb:
            kills = _kill_loop(sb, files, args)
            _catch_up(sb, files)
            with Client(sb.key, base_url=sb.base_url) as client:
                expected = {str(order.id) for order in client.orders.list()}
        figures = _figures(expected, files)
        ok = _report(figures, kills, time.monotonic() - started)
        if args.json:
            result = {"kills": kills[0], "killed_at_work": kills[1], "sinks": figures, "ok": ok}
            print(json.dumps(result))
        return 0 if ok else 1
    finally:
        if args.keep:
            print(f"files kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
