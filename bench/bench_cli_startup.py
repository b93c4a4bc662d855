"""Start-up time of the ``tickettailor`` command, beside bare Python.

Each case is a fresh ``python`` process (N runs, interleaved round-robin so a busy
machine slows every case alike); the figures are the medians of its wall time and of
its CPU time (user + system, from ``wait4``: steadier than wall time on a shared
machine). Cases:

- ``python -c pass``                      the floor: the interpreter alone
- ``import tickettailor``                 the library's public names
- ``tickettailor --version``
- ``tickettailor --help``
- ``tickettailor orders list --help``
- ``typer floor: orders list --help``    a bare typer app of the same shape (the global
  options, one ``orders list`` command, rich help): what typer itself costs, since it
  coerces every option through pydantic and renders help with rich

The command runs as its console script does (``from tickettailor.cli.main import
main; main()``), with the source tree first on ``PYTHONPATH``. Ratios are each case
over ``python -c pass``; with ``--baseline REV`` the same cases also run from the
source tree of git revision REV (extracted with ``git archive`` into a temporary
folder, the work tree is not touched), and the last column is baseline / current:
how many times faster start-up got.

Run: .venv/bin/python bench/bench_cli_startup.py [--n 15] [--baseline HEAD~3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAUNCHER = (
    "import sys; sys.argv[0] = 'tickettailor'; from tickettailor.cli.main import main; main()"
)

# A bare typer app shaped like the command: its floor for a subcommand's --help.
FLOOR_APP = """
from typing import Annotated
import typer
app = typer.Typer(rich_markup_mode="rich", no_args_is_help=True)
@app.callback()
def options(
    profile: Annotated[str | None, typer.Option("--profile", "-p")] = None,
    api_key: Annotated[str | None, typer.Option("--api-key")] = None,
    base_url: Annotated[str | None, typer.Option("--base-url")] = None,
    tz: Annotated[str | None, typer.Option("--tz")] = None,
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True)] = 0,
) -> None:
    pass
orders = typer.Typer(help="Orders.")
app.add_typer(orders, name="orders")
@orders.command("list", help="List orders.")
def list_orders(
    event: Annotated[list[str] | None, typer.Option("--event")] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1)] = None,
) -> None:
    pass
app()
"""

CASES: dict[str, list[str]] = {
    "python -c pass": ["-c", "pass"],
    "import tickettailor": ["-c", "import tickettailor"],
    "tickettailor --version": ["-c", LAUNCHER, "--version"],
    "tickettailor --help": ["-c", LAUNCHER, "--help"],
    "tickettailor orders list --help": ["-c", LAUNCHER, "orders", "list", "--help"],
    "typer floor: orders list --help": ["-c", FLOOR_APP, "orders", "list", "--help"],
}


@dataclass
class Timings:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def median_ms(self) -> tuple[float, float]:
        return statistics.median(self.wall) * 1000, statistics.median(self.cpu) * 1000


def run_once(args: list[str], src: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one ``python ARGS`` with ``src`` first on the path."""
    env = {**os.environ, "PYTHONPATH": str(src), "COLUMNS": "100", "TERM": "dumb"}
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    errors = process.stderr.read() if process.stderr else b""
    if process.returncode != 0:
        raise SystemExit(f"{args} failed ({process.returncode}): {errors.decode()[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime


@contextmanager
def source_of(revision: str | None) -> Iterator[Path]:
    """The ``src`` folder of the work tree, or of ``revision`` extracted to a temp dir."""
    if revision is None:
        yield ROOT / "src"
        return
    with tempfile.TemporaryDirectory(prefix="tt-bench-") as tmp:
        archive = Path(tmp) / "src.tar"
        subprocess.run(
            ["git", "-C", str(ROOT), "archive", "-o", str(archive), revision, "src"], check=True
        )
        with tarfile.open(archive) as tar:
            tar.extractall(tmp, filter="data")
        yield Path(tmp) / "src"


def measure(trees: dict[str, Path], n: int) -> dict[tuple[str, str], Timings]:
    results = {(tree, case): Timings() for tree in trees for case in CASES}
    for src in trees.values():  # warm-up: write the bytecode caches, fill the page cache
        for args in CASES.values():
            run_once(args, src)
    for _ in range(n):
        for tree, src in trees.items():
            for case, args in CASES.items():
                wall, cpu = run_once(args, src)
                results[tree, case].wall.append(wall)
                results[tree, case].cpu.append(cpu)
    return results


def report(results: dict[tuple[str, str], Timings], trees: list[str], n: int) -> None:
    print(f"median of {n} runs each; wall / CPU in ms; x = over `python -c pass`")
    for tree in trees:
        floor_wall, floor_cpu = results[tree, "python -c pass"].median_ms()
        print(f"\n[{tree}]")
        print(f"{'case':34} {'wall':>8} {'cpu':>8} {'x wall':>7} {'x cpu':>7}")
        for case in CASES:
            wall, cpu = results[tree, case].median_ms()
            print(
                f"{case:34} {wall:8.0f} {cpu:8.0f} {wall / floor_wall:7.1f} {cpu / floor_cpu:7.1f}"
            )
    if len(trees) == 2:
        base, current = trees
        print(f"\n{base} / {current} (times faster now):")
        print(f"{'case':34} {'wall':>8} {'cpu':>8}")
        for case in CASES:
            base_wall, base_cpu = results[base, case].median_ms()
            wall, cpu = results[current, case].median_ms()
            print(f"{case:34} {base_wall / wall:8.2f} {base_cpu / cpu:8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=15, help="runs per case (default 15)")
    parser.add_argument(
        "--baseline", metavar="REV", help="also time the source tree of this git revision"
    )
    options = parser.parse_args()
    with source_of(options.baseline) as base_src:
        trees = {"current": ROOT / "src"}
        if options.baseline:
            trees = {f"baseline {options.baseline}": base_src, **trees}
        results = measure(trees, options.n)
    report(results, list(trees), options.n)


if __name__ == "__main__":
    main()
