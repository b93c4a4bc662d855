"""Issue 15's benchmark: ``tickettailor sync`` of a big box office into DuckDB.

Side by side, in one run, against one sandbox served by a separate process (rate limit
off, the database cached in the temp dir like bench_client_fetch's):

1. First full sync of ``--orders`` orders and their tickets (``tickettailor sync orders
   issued_tickets``) into a fresh DuckDB file: records/s end to end (API, normalise,
   load), and the same streams read by Airbyte's ``source-tickettailor`` (its public
   declarative manifest run by airbyte-cdk, ``url_base`` pointed at the sandbox; records
   counted on its stdout, nothing loaded, so a lower bound of Airbyte's time), and the
   same streams read and written into a DuckDB file by PyAirbyte (``--pyairbyte-python``):
   Airbyte end to end, as a user would run it on a laptop.
2. The second sync with nothing new: requests and seconds, ours vs ``--full-refresh``.
3. Peak memory (max RSS of the sync process) at ``--small`` vs ``--orders`` orders.

Airbyte needs its own Python with airbyte-cdk (never this venv: its pins clash) and a
copy of the manifest (airbyte-integrations/connectors/source-tickettailor/manifest.yaml
in airbytehq/airbyte, under the licence that repository gives it; not copied here):

    python3 -m venv /path/airbyte-venv && /path/airbyte-venv/bin/pip install airbyte-cdk
    .venv/bin/python bench/bench_sync.py --airbyte-python /path/airbyte-venv/bin/python \\
        --airbyte-manifest /path/manifest.yaml
    .venv/bin/python bench/bench_sync.py --orders 20000 --small 2000     # quicker

Without them, the Airbyte line says what is missing and the rest runs. CPU is this
script's children's (user + system): ours is the whole sync, Airbyte's its read alone.

Last full run (2 cores, quiet machine: load average 0.4 at the start, 1.8 during the
Airbyte rows, 1.3 at the end; the code of issue 15's closing):

    10,000 orders:  ours  29,369 records in  6.7 s = 4,406 records/s, CPU  6.0 s, 215 MiB
    100,000 orders: ours 294,641 records in 55.1 s = 5,350 records/s, CPU 49.1 s, 236 MiB
                 airbyte 294,641 records in 43.3 s = 6,803 records/s, CPU 36.7 s (read only)
               pyairbyte 294,641 records in 84.2 s = 3,501 records/s, CPU 87.8 s (into DuckDB)
    ratio: ours 1.53x PyAirbyte's records/s end to end (0.56x its CPU): faster (the goal);
           0.79x the bare read's, which loads nothing (1.34x its CPU)
    second sync, nothing new: 109 requests in 2.4 s; full refresh 3,547 in 55.1 s
                              (33x fewer requests, 23x faster)
    peak memory: 10,000 orders 215 MiB, 100,000 orders 236 MiB = 1.10x (goal <= 1.2x)

DuckDB reading dlt's files with the schema's columns instead of guessing them from the
first 20,480 rows (dlt/duckdb_load.py, the fix of a late first field failing the load):
no slower; the two runs back to back, load average 1.7-2.2 (the older code first):

    10,000 orders:  guessed  8.0 s, CPU  7.2 s, 218 MiB; given columns  7.1 s, CPU  6.6 s, 214 MiB
    100,000 orders: guessed 72.0 s, CPU 57.3 s, 235 MiB; given columns 60.3 s, CPU 54.5 s, 235 MiB

Where a first sync's time goes (cProfile, 20,000 orders): the extract step waits on the
API about two thirds of its time (4 requests in flight now); dlt's normaliser (flatten,
coerce each value, child tables: the orders' tickets are a second copy of the tickets
table) is most of the CPU; DuckDB's load is the rest.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _airbyte
from bench_client_fetch import KEY, start_sandbox

STREAMS = ("orders", "issued_tickets")


def run_sync(base: str, folder: Path, *extra: str) -> tuple[float, int, int, str]:
    """One ``tickettailor sync`` in ``folder``: (seconds, requests, peak RSS bytes, output)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TICKETTAILOR_")}
    env |= {
        "TICKETTAILOR_BASE_URL": base,
        "TICKETTAILOR_API_KEY": KEY,
        "TICKETTAILOR_DATA_DIR": str(folder / "data"),
        "TICKETTAILOR_CONFIG_DIR": str(folder / "config"),
    }
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", MEASURED, "sync", *STREAMS, *extra],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"sync failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    requests = re.search(r"requests: (\d+)", done.stdout)
    rss = re.search(r"MAXRSS (\d+)", done.stderr)
    return (
        seconds,
        int(requests.group(1)) if requests else -1,
        int(rss.group(1)) * 1024 if rss else 0,  # ru_maxrss is in KiB on Linux
        done.stdout,
    )


# The command as its console script runs it, reporting its peak RSS on the way out.
MEASURED = """
import atexit, resource, sys
def report():
    sys.stderr.write(f"MAXRSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\\n")
atexit.register(report)
from tickettailor.cli.main import main
sys.argv = ["tickettailor", *sys.argv[1:]]
main()
"""


def children_cpu() -> float:
    """CPU seconds of this script's finished children (user + system): less noisy than
    the clock on a shared machine."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def load_average() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def loaded(output: str, table: str) -> int:
    match = re.search(rf"^\s+{table}\s+([\d,]+)$", output, re.MULTILINE)
    return int(match.group(1).replace(",", "")) if match else 0


def airbyte(base: str, python: str | None, manifest: str | None, folder: Path) -> str:
    """Airbyte's read of the same streams: a line of figures, or why there is none."""
    run = _airbyte.read(base, KEY, STREAMS, python, manifest, folder)
    return run if isinstance(run, str) else run.line()


def airbyte_into_duckdb(
    base: str, python: str | None, manifest: str | None, ours: tuple[float, float]
) -> None:
    """Airbyte end to end (PyAirbyte into a DuckDB file), and ours (seconds, CPU) to it."""
    with tempfile.TemporaryDirectory() as tmp:
        cpu = children_cpu()
        run = _airbyte.load(base, KEY, STREAMS, python, manifest, Path(tmp))
        cpu = children_cpu() - cpu
    if isinstance(run, str):
        print(f"  pyairbyte {run}")
        return
    print(f"  pyairbyte {run.line()}, CPU {cpu:6.1f} s (read and written into DuckDB)")
    seconds, our_cpu = ours
    print(
        f"  ratio     ours {run.seconds / seconds:.2f}x PyAirbyte's records/s end to end, "
        f"{our_cpu / max(0.1, cpu):.2f}x its CPU ({load_average()})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--airbyte-python", metavar="PATH")
    parser.add_argument("--airbyte-manifest", metavar="PATH")
    parser.add_argument("--pyairbyte-python", metavar="PATH", help="a Python with PyAirbyte")
    args = parser.parse_args()

    print(f"start: {load_average()}")
    peaks: dict[int, int] = {}
    for orders in (args.small, args.orders):
        proc, base = start_sandbox(orders)
        try:
            with tempfile.TemporaryDirectory() as tmp:
                folder = Path(tmp)
                cpu = children_cpu()
                seconds, requests, rss, output = run_sync(base, folder)
                cpu = children_cpu() - cpu
                peaks[orders] = rss
                records = loaded(output, "orders") + loaded(output, "issued_tickets")
                print(f"{orders:,} orders: first sync into DuckDB (orders + tickets)")
                print(
                    f"  ours     {records:>8,} records in {seconds:7.1f} s = "
                    f"{records / seconds:8,.0f} records/s, CPU {cpu:6.1f} s, "
                    f"{requests:,} requests, peak RSS {rss / 2**20:,.0f} MiB"
                )
                if orders != args.orders:
                    continue
                peer_cpu = children_cpu()
                peer = airbyte(base, args.airbyte_python, args.airbyte_manifest, folder)
                peer_cpu = children_cpu() - peer_cpu
                print(f"  airbyte  {peer}, CPU {peer_cpu:6.1f} s")
                took = re.search(r"records in\s+([\d.]+) s", peer)
                if took:
                    print(
                        f"  ratio    ours {float(took.group(1)) / seconds:.2f}x Airbyte's "
                        f"records/s, {cpu / max(0.1, peer_cpu):.2f}x its CPU ({load_average()})"
                    )
                airbyte_into_duckdb(
                    base, args.pyairbyte_python, args.airbyte_manifest, (seconds, cpu)
                )
                again, again_requests, _rss, _out = run_sync(base, folder)
                full, full_requests, _rss, _out = run_sync(base, folder, "--full-refresh")
                print("second sync, nothing new:")
                print(f"  ours          {again_requests:>6,} requests in {again:6.1f} s")
                print(f"  full refresh  {full_requests:>6,} requests in {full:6.1f} s")
                fewer = full_requests / max(1, again_requests)
                print(f"  ratio         {fewer:6.0f}x fewer requests, {full / again:4.0f}x faster")
        finally:
            proc.terminate()
            proc.wait()
    small, big = peaks[args.small], peaks[args.orders]
    print(
        f"peak memory: {args.small:,} orders {small / 2**20:,.0f} MiB, {args.orders:,} orders "
        f"{big / 2**20:,.0f} MiB = {big / max(1, small):.2f}x (goal <= 1.2x)"
    )
    print(f"end: {load_average()}")


if __name__ == "__main__":
    main()
