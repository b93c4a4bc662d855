"""Issue 13's CLI row: ``tickettailor orders list --format jsonl`` vs the library.

Side by side, in one run, against one sandbox served by a separate process (rate limits
off, no added latency), each figure the median of ``BENCH_REPEAT`` runs taken in turn:

- library: ``Client().orders.list()`` iterated in this process
- CLI:     ``tickettailor orders list --format jsonl > file``, the whole command in its
           own process (start-up included), its output checked line by line

It prints records/s and CPU seconds (user + system) of each, then the ratios CLI /
library (the goal: 0.9 or more). On a shared machine the sandbox's own CPU sets the
pace of both, so the CPU each spends per record is the steadier figure. Then the
command's start-up (``--limit 1``: interpreter, imports, first page) and its records/s
once started, against the library's.

The command runs as an installed one does, from compiled bytecode (pip compiles a
package when it installs it): it gets a bytecode cache of its own in the temporary
folder, filled by an untimed first run, even where the environment sets
PYTHONDONTWRITEBYTECODE (which would make every run compile the sources again).

The library also runs as a program of its own (``python -c``: start, import, list and
count every order), and the bench times Python importing typer, pydantic and httpx2:
what any command built on them pays before it can do anything.

Last measured (20,000 orders, quiet machine, load average 0.4-1.0), five runs: the
command 0.85, 0.87, 0.89, 0.90 and 0.92 of the library's records/s; 0.96-1.03 of the
library as a program. Its start-up 0.21-0.23 s against an import floor of 0.16 s
(0.18-0.19 s before the floor left the way the command does); after its start-up
0.95-1.03 of the library's rate. At the last stop: start-up 0.57 s, 0.80. Before its
JSON lines were written by orjson: 0.70-0.72.

``BENCH_CLI_BEFORE=DIR`` adds a row for the command run from another copy of the
sources (``DIR`` holds its ``tickettailor`` package, e.g. an exported older commit's
``src``), to compare a change side by side:

    git archive HEAD~3 src | tar -x -C /tmp/before
    BENCH_CLI_BEFORE=/tmp/before/src .venv/bin/python bench/bench_cli_output.py

    .venv/bin/python bench/bench_cli_output.py                 # 20,000 orders
    BENCH_ORDERS=5000 BENCH_REPEAT=1 .venv/bin/python bench/bench_cli_output.py
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench_client_fetch import KEY, start_sandbox  # the same sandbox process and key
from tickettailor import Client

ORDERS = int(os.environ.get("BENCH_ORDERS", "20000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
BEFORE = os.environ.get("BENCH_CLI_BEFORE")
CLI = [sys.executable, "-c", "from tickettailor.cli.main import main; main()"]
PYCACHE = Path(tempfile.gettempdir()) / "tickettailor-bench-pycache"


def library(base: str) -> tuple[int, float]:
    """(records, CPU seconds) of a walk with the library in this process."""
    cpu = time.process_time()
    with Client(KEY, base_url=base) as tt:
        count = sum(1 for _ in tt.orders.list())
    return count, time.process_time() - cpu


# The library as a program of its own: start, import, list every order (and count them,
# as the in-process row does). What a user's script pays that the in-process walk does not.
PROGRAM = (
    "from tickettailor import Client\n"
    "with Client() as tt:\n"
    "    print(sum(1 for _ in tt.orders.list()))\n"
)
# What any command built on typer, pydantic and httpx2 loads before it can do anything,
# leaving the way the command does (the heap frozen: no collection at exit), so that the
# two start-ups compare.
FLOOR = "import gc, typer, typer._adapters, httpx2, httpcore2; gc.freeze()"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _env(base: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TICKETTAILOR_")}
    env |= {"TICKETTAILOR_API_KEY": KEY, "TICKETTAILOR_BASE_URL": base}
    # As installed: pip compiles a package's bytecode when it installs it. Where the
    # environment says not to write bytecode (PYTHONDONTWRITEBYTECODE), every run would
    # compile the sources again (~50 ms), so the command gets a cache of its own.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    return env


def program(base: str) -> tuple[int, float]:
    """(records, CPU seconds) of ``PROGRAM`` in its own process."""
    cpu = _children_cpu()
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM], env=_env(base), capture_output=True, check=True
    )
    return int(done.stdout), _children_cpu() - cpu


def floor(base: str) -> float:
    """Seconds to start Python and import ``FLOOR``."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", FLOOR], env=_env(base), check=True)
    return time.perf_counter() - started


def cli(
    base: str, out: Path, sources: str | None = None, *, extra: tuple[str, ...] = ()
) -> tuple[int, float]:
    """(records, CPU seconds) of the command writing JSON lines into ``out``
    (``sources``: the folder to import ``tickettailor`` from instead of this one)."""
    env = _env(base)
    if sources:
        env["PYTHONPATH"] = sources
    cpu = _children_cpu()
    with out.open("wb") as sink:
        subprocess.run(
            [*CLI, "orders", "list", "--format", "jsonl", *extra], stdout=sink, env=env, check=True
        )
    cpu = _children_cpu() - cpu
    with out.open("rb") as written:
        count = sum(1 for line in written if line.startswith(b'{"'))
    return count, cpu


def start_up(base: str, out: Path) -> float:
    """Seconds the command takes to start and print one order (``--limit 1``): its
    fixed cost, which the library, already imported, does not pay."""
    started = time.perf_counter()
    cli(base, out, extra=("--limit", "1"))
    return time.perf_counter() - started


def timed(fn: Callable[[], tuple[int, float]]) -> tuple[float, float]:
    """(records/s, CPU seconds) of one run; the count must be every order."""
    started = time.perf_counter()
    count, cpu = fn()
    elapsed = time.perf_counter() - started
    if count != ORDERS:
        raise SystemExit(f"fetched {count} records, expected {ORDERS}")
    return count / elapsed, cpu


def main() -> None:
    print(f"Sandbox with {ORDERS:,} orders, rate limit off, in its own process.")
    proc, base = start_sandbox(ORDERS)
    try:
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "orders.jsonl"
            library(base)  # warm-up: the server's caches and the OS page cache, untimed
            cli(base, out, extra=("--limit", "1"))  # and the command's bytecode cache
            if BEFORE:
                cli(base, out, BEFORE, extra=("--limit", "1"))
            program(base)
            runs: dict[str, list[tuple[float, float]]] = {"library": [], "program": [], "cli": []}
            if BEFORE:
                runs["before"] = []
            starts: list[float] = []
            floors: list[float] = []
            for _ in range(REPEAT):  # in turn, so a slow moment of the machine hits all
                runs["library"].append(timed(lambda: library(base)))
                runs["program"].append(timed(lambda: program(base)))
                runs["cli"].append(timed(lambda: cli(base, out)))
                starts.append(start_up(base, out))
                floors.append(floor(base))
                if BEFORE:
                    runs["before"].append(timed(lambda: cli(base, out, BEFORE)))
        print(f"Median of {REPEAT} ({os.cpu_count()} CPUs on this machine, shared):")
        rate = {name: statistics.median(r for r, _ in values) for name, values in runs.items()}
        cpu = {name: statistics.median(c for _, c in values) for name, values in runs.items()}
        titles = {
            "library": "Client.orders.list()",
            "program": "the same, as a program (own process)",
            "cli": "tickettailor orders list --format jsonl",
            "before": "the same command, from BENCH_CLI_BEFORE",
        }
        for name in runs:
            each = " ".join(f"{r:.0f}" for r, _ in runs[name])
            print(
                f"  {titles[name]:<44} {rate[name]:8.0f} records/s  CPU {cpu[name]:5.2f} s"
                f"   (runs: {each})"
            )
        print("Ratios:")
        print(
            f"  CLI / library records/s       = {rate['cli'] / rate['library']:.2f}  (goal >= 0.9)"
        )
        print(f"  CLI / library records per CPU = {cpu['library'] / cpu['cli']:.2f}")
        start = statistics.median(starts)
        walk = ORDERS / (ORDERS / rate["cli"] - start)
        print(
            f"  CLI start-up (--limit 1)      = {start:.2f} s; records/s after it: {walk:.0f},"
            f" {walk / rate['library']:.2f} of the library's"
        )
        print(
            f"  CLI / library as a program    = {rate['cli'] / rate['program']:.2f}"
            "  (both start a Python process)"
        )
        print(
            f"  Python + typer, pydantic, httpx2 imported: {statistics.median(floors):.2f} s"
            " (a floor for any command built on them)"
        )
        if BEFORE:
            print(f"  CLI / before records per CPU  = {cpu['before'] / cpu['cli']:.2f}")
            print(f"  CLI / before records/s        = {rate['cli'] / rate['before']:.2f}")
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    main()
