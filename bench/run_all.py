"""Run every benchmark in this folder, one after another (``make bench``).

Each script prints its own figures measured side by side in one run; this only runs
them in turn and reports which failed. ``python bench/run_all.py watch`` runs only the
scripts whose name contains ``watch``. ``--soak`` also runs ``soak.py`` (50 kill -9s of
the watch under live sales, a few minutes), which is left out by default to keep this
fast.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).resolve().parent
    soak = "--soak" in argv
    argv = [a for a in argv if a != "--soak"]
    scripts = sorted(
        p for p in here.glob("bench_*.py") if not argv or any(a in p.name for a in argv)
    )
    if soak:
        scripts.append(here / "soak.py")
    failed = []
    for script in scripts:
        print(f"\n=== {script.name} ===", flush=True)
        started = time.monotonic()
        code = subprocess.call([sys.executable, str(script)])
        print(f"=== {script.name}: exit {code} in {time.monotonic() - started:.0f} s", flush=True)
        if code != 0:
            failed.append(script.name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
