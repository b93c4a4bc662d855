"""Issue 16's fleet benchmark: box offices spread over worker processes, one PostgreSQL.

For each worker count (default 1, 2 and 4) on a fresh fleet schema: a sandbox with
``--box-offices`` box offices (small histories, live sales), each watching orders into
its own SQLite sink file (a Postgres table each would need a connection each), every
``--every`` seconds. Measured:

- catch-up: every box office's history delivered, deliveries per second from the moment
  every box office is held (the workers are up and have split the work; the time to
  that moment is shown as "up"), and the scaling efficiency against one worker; the
  worker CPU per delivery, and the cores the workers, PostgreSQL (a local server: its
  processes are summed) and the sandbox used meanwhile, flagged when every core of the
  machine was busy (then the machine, not the fleet, sets the rate), and deliveries per
  core-second of all of them: the same with more workers means that coordinating them
  costs nothing, so that, given the cores, N workers deliver N times one;
- live: end-to-end latency of orders sold while the workers run (sink ``received_at``
  minus the order's ``created_at``; whole seconds, as the API gives them), p50/p95;
- idle CPU: worker CPU seconds per box office and cycle once sales stop, which gives
  the box offices one worker holds at ``--every 60`` within one core, and the workers
  a 10,000-box-office fleet needs (docs/fleet.md, "Sizing");
- failover (last worker count only): ``--kills`` times, kill -9 a worker and time until
  each of its box offices is granted to another worker (lease audit) and until the new
  holder's first delivery (an outbox row marked delivered after the grant), p50/p95.

``--soak``: the long soak instead. 20 box offices selling live (30 orders a minute
each), 3 workers, a Postgres sink table per box office, ``--kills`` (30) kill -9s of
a worker chosen at random (each restarted), ``--lease-ttl 5``, ``--every 2``; at the
end every order of every box office is in its sink exactly once, the lease audit shows
no overlap, and the failover times (to the regrant, to the first delivery) are printed.

    .venv/bin/python bench/bench_fleet.py                       # 100 box offices, 1/2/4 workers
    .venv/bin/python bench/bench_fleet.py --box-offices 20 --workers 1,2 --kills 3
    .venv/bin/python bench/bench_fleet.py --soak                # ~6 min
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the test helpers: a throwaway PostgreSQL, worker processes

from tests import pg  # noqa: E402  (after the path above)
from tests.fleet.kit import (  # noqa: E402
    add_box_offices,
    audit_overlaps,
    holders,
    start_worker,
    wait_for,
)

from tickettailor.fleet.schema import init_schema  # noqa: E402
from tickettailor.fleet.secrets import new_secret  # noqa: E402
from tickettailor.sandbox import SandboxConfig, create_app, serve_in_thread  # noqa: E402

SECRET = new_secret()
TTL = 10.0
SERVED = [0]  # requests the sandbox answered


class CountRequests:
    """ASGI middleware: counts the sandbox's HTTP requests (requests per idle cycle)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            SERVED[0] += 1
        await self.app(scope, receive, send)


def counted_sandbox(config: SandboxConfig) -> Any:
    app = create_app(config)
    app.add_middleware(CountRequests)
    return serve_in_thread(config, app=app)


def key(n: int) -> str:
    return f"sk_{7000 + n}_{800000 + n}_" + f"{n:032x}"


def cpu_seconds(pid: int, *, reaped: bool = False) -> float:
    """CPU seconds of ``pid`` (with ``reaped``: also of its children that have ended)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime + stime
    if reaped:
        ticks += int(fields[13]) + int(fields[14])  # cutime + cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU time of the whole machine so far, from /proc/stat."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    total = sum(fields[:8])  # guest time is already in user
    return total - idle, total


def postmaster(dsn: str) -> int | None:
    """The PostgreSQL server's main process, when it runs on this machine."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute("SELECT pg_backend_pid()").fetchone()
    status = Path(f"/proc/{row[0]}/status") if row else None
    if status is None or not status.exists():
        return None
    ppid = [line for line in status.read_text().splitlines() if line.startswith("PPid:")]
    return int(ppid[0].split()[1]) if ppid else None


def server_cpu(main: int | None) -> float:
    """CPU seconds of the PostgreSQL server: its main process, the backends and helpers
    it runs, and those that have ended (connections closed)."""
    if main is None:
        return float("nan")
    total = cpu_seconds(main, reaped=True)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            if f"\nPPid:\t{main}\n" in status:
                total += cpu_seconds(int(entry.name))
        except (OSError, ValueError):
            continue  # ended meanwhile
    return total


def _rows(folder: Path, count: int, query: str) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for n in range(count):
        path = folder / f"b{n}.db"
        if not path.exists():
            continue
        conn = sqlite3.connect(path, timeout=10)
        try:
            out += conn.execute(query).fetchall()
        except sqlite3.OperationalError:  # the sink has not created its table yet
            pass
        finally:
            conn.close()
    return out


def delivered(dsn: str, schema: str) -> int:
    """Envelopes marked delivered (each is in its sink: marked only after the sink's
    commit). One query: opening a hundred sink files every half second took a tenth
    of a core from the workers being measured."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(
            f"SELECT count(*) FROM {schema}.outbox WHERE state = 'delivered'"  # noqa: S608  (the bench's schema)
        ).fetchone()
    return int(row[0]) if row else 0


def latencies(folder: Path, count: int, since: float) -> list[float]:
    """Seconds from each order's creation to its arrival in the sink (whole seconds)."""
    rows = _rows(folder, count, "SELECT timestamp, received_at FROM tickettailor_events")
    out = []
    for created, received in rows:
        start, end = _unix(created), _unix(received)
        if start >= since:
            out.append(end - start)
    return out


def _unix(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(dsn: str, args: argparse.Namespace, workers: int, kills: int) -> dict[str, float]:
    schema = pg.unique_name("tt_bench")
    with psycopg.connect(dsn, autocommit=True) as conn:
        init_schema(conn, schema)
    n = args.box_offices
    config = SandboxConfig(
        keys=tuple(key(i) for i in range(n)),
        orders=args.orders,
        events=20,  # sales go on through the failover kills
        rate_limit=None,
        sales_per_minute=args.sales_per_minute,
    )
    folder = Path(tempfile.mkdtemp(prefix="tt-bench-fleet-sinks-"))
    log = tempfile.NamedTemporaryFile(prefix="tt-bench-fleet-", suffix=".log", delete=False)  # noqa: SIM115  (kept for reading)
    result: dict[str, float] = {}
    with counted_sandbox(config) as shops:
        add_box_offices(
            dsn,
            schema,
            SECRET,
            {f"b{i}": key(i) for i in range(n)},
            base_url=shops.base_url,
            sink=lambda name: f"sqlite:{folder}/{name}.db",
            every=args.every,
        )
        history = n * args.orders
        started = time.monotonic()
        wall_start = time.time()
        server = postmaster(dsn)
        procs = [
            start_worker(
                dsn, schema, SECRET, ttl=TTL, log_path=log.name, extra=worker_options(args)
            )
            for _ in range(workers)
        ]
        try:
            # The rate is measured from when every box office is held (the workers are
            # up and have split the work): starting a process is not throughput.
            wait_for("every box office held", lambda: len(holders(dsn, schema)) >= n, step=0.1)
            result["startup_s"] = time.monotonic() - started
            began, done0 = time.monotonic(), delivered(dsn, schema)
            served = time.process_time()  # the sandbox serves from this process's thread
            server0, workers0 = server_cpu(server), sum(cpu_seconds(p.proc.pid) for p in procs)
            machine0 = machine_ticks()
            wait_for(
                "the histories delivered",
                lambda: delivered(dsn, schema) >= history,
                timeout=600,
                step=0.5,
            )
            catch_up = time.monotonic() - began
            result["deliveries_per_s"] = (history - done0) / catch_up
            # This process is the sandbox (plus a count every 0.5 s): near a whole core,
            # the sandbox, not the workers, sets the catch-up rate.
            result["sandbox_core"] = (time.process_time() - served) / catch_up
            workers_cpu = sum(cpu_seconds(p.proc.pid) for p in procs) - workers0
            result["workers_core"] = workers_cpu / catch_up
            result["worker_ms_per_delivery"] = 1000 * workers_cpu / (history - done0)
            result["db_core"] = (server_cpu(server) - server0) / catch_up
            busy, total = (now - then for now, then in zip(machine_ticks(), machine0, strict=True))
            result["machine_busy"] = busy / max(total, 1)  # all processes, the kernel's too
            time.sleep(args.live)  # a measurement window: live sales go on
            lat = latencies(folder, n, wall_start + result["startup_s"] + catch_up)
            result["latency_p50"], result["latency_p95"] = pct(lat, 0.5), pct(lat, 0.95)
            result["live_orders"] = len(lat)
            shops.sandbox.start_simulator(0)
            time.sleep(args.every * 2)  # the last sales are delivered; then idle
            cpu0, served0 = sum(cpu_seconds(p.proc.pid) for p in procs), SERVED[0]
            time.sleep(args.idle)
            cpu = sum(cpu_seconds(p.proc.pid) for p in procs) - cpu0
            cycles = n * args.idle / args.every
            result["cpu_ms_per_idle_cycle"] = 1000 * cpu / cycles
            result["requests_per_idle_cycle"] = (SERVED[0] - served0) / cycles
            if kills:  # sales again: a new holder shows itself by delivering
                shops.sandbox.start_simulator(args.sales_per_minute)
                result |= failover(dsn, schema, procs, kills, log.name)
        finally:
            for p in procs:
                if p.proc.poll() is None:
                    p.term()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")
    return result


def worker_options(args: argparse.Namespace) -> tuple[str, ...]:
    return ("--db-connections", str(args.db_connections)) if args.db_connections else ()


def failover(
    dsn: str, schema: str, procs: list, kills: int, log: str, *, ttl: float = TTL, rng=None
) -> dict[str, float]:
    """``kills`` times: kill -9 a worker, time its box offices' regrant and first
    delivery by the new holder, start a worker in its place."""
    regrants: list[float] = []
    firsts: list[float] = []
    cycles: list[float] = []
    for n in range(kills):
        # Kill once the work is spread again (a restarted worker holds nothing at first).
        wait_for("an even spread", lambda: _even(dsn, schema, procs), timeout=ttl * 6)
        if rng is None:
            victim = max(procs, key=lambda p: _held(dsn, schema, p.proc.pid))
        else:
            victim = rng.choice(procs)
        procs.remove(victim)
        held = _held_names(dsn, schema, victim.proc.pid)
        killed = time.time()
        victim.kill()
        if held:
            polled = wait_for(
                "the victim's box offices polled by their new holders",
                lambda held=held, killed=killed: _first_cycles(dsn, schema, held, killed),
                timeout=ttl * 6,
                step=0.2,
            )
            cycles += polled
            took = wait_for(
                "the victim's box offices delivering again",
                lambda held=held, killed=killed: _first_deliveries(dsn, schema, held, killed),
                timeout=ttl * 6,
                step=0.2,
            )
            regrants += [grant for grant, _ in took]
            firsts += [first for _, first in took]
            grant, first = max(g for g, _ in took), max(f for _, f in took)
            print(
                f"kill -9 #{n + 1}: {len(held)} box offices, regranted after {grant:.1f} s, "
                f"polled after {max(polled):.1f} s, delivering again after {first:.1f} s",
                flush=True,
            )
        procs.append(start_worker(dsn, schema, SECRET, ttl=ttl, log_path=log))
    return {
        "failover_p50": pct(regrants, 0.5),
        "failover_p95": pct(regrants, 0.95),
        "first_delivery_p50": pct(firsts, 0.5),
        "first_delivery_p95": pct(firsts, 0.95),
        "first_cycle_p50": pct(cycles, 0.5),
        "first_cycle_p95": pct(cycles, 0.95),
        "kills": kills,
    }


def _even(dsn: str, schema: str, procs: list) -> bool:
    held = [_held(dsn, schema, p.proc.pid) for p in procs]
    return min(held) > 0 and max(held) - min(held) <= 1


def _held_names(dsn: str, schema: str, pid: int) -> list[str]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = conn.execute(
            f"SELECT name FROM {schema}.leases WHERE pid = %s AND holder IS NOT NULL"  # noqa: S608  (the bench's schema)
            " AND expires_at > extract(epoch FROM now())",
            (pid,),
        ).fetchall()
    return [str(r[0]) for r in rows]


def _first_deliveries(
    dsn: str, schema: str, held: list[str], killed: float
) -> list[tuple[float, float]] | None:
    """Per box office: (seconds from the kill to the new grant, to the first delivery
    by the new holder: an outbox row marked delivered after that grant, which only the
    new token can write); None until every one has both."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = conn.execute(
            f"""SELECT g.name, g.granted, min(o.done_at)
                FROM (SELECT name, min(granted_at) AS granted FROM {schema}.lease_audit
                      WHERE name = ANY(%s) AND granted_at > %s GROUP BY name) g
                JOIN {schema}.outbox o ON o.watch LIKE g.name || '/%%'
                     AND o.state = 'delivered' AND o.done_at > g.granted
                GROUP BY g.name, g.granted""",  # noqa: S608  (the bench's schema)
            (held, killed),
        ).fetchall()
    if len(rows) < len(held):
        return None
    return [(granted - killed, first - killed) for _, granted, first in rows]


def _first_cycles(dsn: str, schema: str, held: list[str], killed: float) -> list[float] | None:
    """Per box office: seconds from the kill to the end of the new holder's first
    successful cycle (its poll done and what it found delivered: nothing sold while the
    box office had no holder is waiting any more); None until every one has one."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = conn.execute(
            f"""SELECT g.name, max(s.v::double precision)
                FROM (SELECT name, min(granted_at) AS granted FROM {schema}.lease_audit
                      WHERE name = ANY(%s) AND granted_at > %s GROUP BY name) g
                JOIN {schema}.status s ON s.watch LIKE g.name || '/%%'
                     AND s.k = 'last_success_at' AND s.v::double precision > g.granted
                GROUP BY g.name""",  # noqa: S608  (the bench's schema)
            (held, killed),
        ).fetchall()
    if len(rows) < len(held):
        return None
    return [at - killed for _, at in rows]


def _held(dsn: str, schema: str, pid: int) -> int:
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(
            f"SELECT count(*) FROM {schema}.leases WHERE pid = %s AND holder IS NOT NULL",  # noqa: S608  (the bench's schema)
            (pid,),
        ).fetchone()
    return int(row[0]) if row else 0


def soak(dsn: str, args: argparse.Namespace) -> None:
    """The long soak: live sales, Postgres sinks, ``--kills`` kill -9s at random; then
    every order of every box office in its sink exactly once and no overlapping lease."""
    schema = pg.unique_name("tt_soak")
    with psycopg.connect(dsn, autocommit=True) as conn:
        init_schema(conn, schema)
    n, ttl = args.box_offices, args.lease_ttl
    config = SandboxConfig(
        keys=tuple(key(i) for i in range(n)),
        orders=args.orders,
        events=20,  # enough on sale for minutes of sales (the simulator closes some)
        rate_limit=None,
        sales_per_minute=args.sales_per_minute,
    )
    log = tempfile.NamedTemporaryFile(prefix="tt-bench-soak-", suffix=".log", delete=False)  # noqa: SIM115  (kept for reading)
    rng = random.Random(16)
    began, load0 = time.monotonic(), os.getloadavg()
    with serve_in_thread(config) as shops:
        names = {f"b{i}": key(i) for i in range(n)}
        add_box_offices(
            dsn,
            schema,
            SECRET,
            names,
            base_url=shops.base_url,
            sink=lambda name: f"postgres,table={schema}.sink_{name}:{dsn}",
            every=args.every,
        )
        procs = [
            start_worker(dsn, schema, SECRET, ttl=ttl, log_path=log.name)
            for _ in range(args.soak_workers)
        ]
        try:
            wait_for("all held", lambda: len(holders(dsn, schema)) == n, timeout=120)
            result = failover(dsn, schema, procs, args.kills, log.name, ttl=ttl, rng=rng)
            shops.sandbox.start_simulator(0)  # the shops close: what was sold must arrive
            expected = {name: _sandbox_orders(shops.base_url, k) for name, k in names.items()}
            wait_for(
                "every order in its sink",
                lambda: all(_sink_orders(dsn, schema, m) == expected[m] for m in names),
                timeout=120,
                step=1,
            )
        finally:
            for p in procs:
                if p.proc.poll() is None:
                    p.term()
    load1 = os.getloadavg()
    overlaps = audit_overlaps(dsn, schema)
    orders = sum(len(v) for v in expected.values())
    with psycopg.connect(dsn, autocommit=True) as conn:
        (grants,) = conn.execute(f"SELECT count(*) FROM {schema}.lease_audit").fetchone()  # noqa: S608  (the bench's schema)
        conn.execute(f"DROP SCHEMA {schema} CASCADE")
    print(
        f"\nsoak: {n} box offices, {args.soak_workers} workers, {args.kills} kill -9s, "
        f"--lease-ttl {ttl:g}, --every {args.every:g}, {args.sales_per_minute:g} sales/min "
        f"per box office, Postgres sinks; {time.monotonic() - began:.0f} s"
    )
    print(
        f"orders: {orders}, each in its sink exactly once (upsert by key; every box office's "
        f"orders == the sandbox's): yes; lease grants {grants}, overlapping: {len(overlaps)}"
    )
    print(
        f"failover, kill -9 -> regrant: p50 {result['failover_p50']:.1f} s, "
        f"p95 {result['failover_p95']:.1f} s; kill -9 -> first delivery by the new holder: "
        f"p50 {result['first_delivery_p50']:.1f} s, p95 {result['first_delivery_p95']:.1f} s; "
        f"-> first cycle by the new holder: p50 {result['first_cycle_p50']:.1f} s, "
        f"p95 {result['first_cycle_p95']:.1f} s"
    )
    print(f"load average before {load0[0]:.2f}, after {load1[0]:.2f} (1 min; 2 cores)")
    if overlaps:
        raise SystemExit("overlapping leases: " + "; ".join(overlaps[:5]))


def _sandbox_orders(base_url: str, api_key: str) -> set[str]:
    from tickettailor import Client

    with Client(api_key, base_url=base_url) as client:
        return {o.id for o in client.orders.list()}


def _sink_orders(dsn: str, schema: str, name: str) -> set[str]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        if conn.execute("SELECT to_regclass(%s)", (f"{schema}.sink_{name}",)).fetchone()[0] is None:
            return set()
        rows = conn.execute(
            f"SELECT record_id FROM {schema}.sink_{name} WHERE type = 'order.created'"  # noqa: S608  (the bench's table)
        ).fetchall()
    return {str(r[0]) for r in rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--box-offices", type=int, default=100)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--orders", type=int, default=300, help="history per box office")
    parser.add_argument("--sales-per-minute", type=float, default=6.0, help="per box office")
    parser.add_argument("--every", type=float, default=5.0)
    parser.add_argument("--live", type=float, default=20.0, help="seconds of live sales")
    parser.add_argument("--idle", type=float, default=20.0, help="seconds of idle CPU sampling")
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument(
        "--db-connections", type=int, default=None, help="the workers' (default: theirs, 4)"
    )
    parser.add_argument(
        "--soak",
        action="store_true",
        help="the long soak instead (defaults: 20 box offices, "
        "3 workers, 30 kills, --lease-ttl 5, --every 2, 30 sales/min per box office)",
    )
    parser.add_argument("--soak-workers", type=int, default=3)
    parser.add_argument("--lease-ttl", type=float, default=None)
    args = parser.parse_args()
    if args.soak:
        for name, value in (
            ("box_offices", 20),
            ("kills", 30),
            ("every", 2.0),
            ("sales_per_minute", 30.0),
            ("orders", 10),
        ):
            if parser.get_default(name) == getattr(args, name):
                setattr(args, name, value)
        args.lease_ttl = args.lease_ttl or 5.0
        with pg.running_postgres() as dsn:
            soak(dsn, args)
        return
    counts = [int(w) for w in args.workers.split(",")]
    results: dict[int, dict[str, float]] = {}
    with pg.running_postgres() as dsn:
        for w in counts:
            kills = args.kills if w == counts[-1] and w > 1 else 0
            results[w] = run(dsn, args, w, kills)
            print(f"{w} worker(s): {results[w]}", flush=True)
    report(args, results, counts)


def report(
    args: argparse.Namespace, results: dict[int, dict[str, float]], counts: list[int]
) -> None:
    base = results[counts[0]]
    base_rate = base["deliveries_per_s"]
    base_used = base["workers_core"] + base["db_core"] + base["sandbox_core"]
    cores = os.cpu_count() or 1
    print(f"\n{args.box_offices} box offices, {args.orders} orders each, --every {args.every:g}")
    print(
        "workers  up (s)  deliveries/s  scaling  worker CPU ms/delivery (vs 1)  cores used: workers"
        f" + db + sandbox = total of {cores}  deliveries per core-second (vs 1)"
        "  latency p50/p95 s  idle, per box office and"
        " cycle: CPU ms, requests"
    )
    for w, r in results.items():
        used = r["workers_core"] + r["db_core"] + r["sandbox_core"]
        flags = []
        if r["sandbox_core"] >= 0.85:
            flags.append("the sandbox's ceiling")
        if r["machine_busy"] >= 0.85:
            flags.append(f"the machine's ceiling: its cores {r['machine_busy']:.0%} busy")
        ceiling = f"  << {'; '.join(flags)}" if flags else ""
        cost = r["worker_ms_per_delivery"]
        print(
            f"{w:>7}  {r['startup_s']:>6.1f}  {r['deliveries_per_s']:>12.1f}  "
            f"{r['deliveries_per_s'] / base['deliveries_per_s']:>6.2f}x"
            f"  {cost:>14.3f} ({cost / base['worker_ms_per_delivery']:.2f}x)"
            f"  {r['workers_core']:>12.2f} + {r['db_core']:.2f} + {r['sandbox_core']:.2f}"
            f" = {used:.2f} (machine {r['machine_busy']:.0%} busy)"
            f"  {r['deliveries_per_s'] / used:>12.0f}"
            f" ({r['deliveries_per_s'] / used / (base_rate / base_used):.2f}x)"
            f"  {r['latency_p50']:>10.1f} / {r['latency_p95']:<7.1f}"
            f"  {r['cpu_ms_per_idle_cycle']:>8.2f}, {r['requests_per_idle_cycle']:.2f}{ceiling}"
        )
    last = results[counts[-1]]
    if "failover_p50" in last:
        print(
            f"failover (TTL {TTL:g} s, {int(last['kills'])} kills): kill -9 -> lease regranted "
            f"p50 {last['failover_p50']:.1f} s, p95 {last['failover_p95']:.1f} s; -> first "
            f"delivery by the new holder p50 {last['first_delivery_p50']:.1f} s, "
            f"p95 {last['first_delivery_p95']:.1f} s (waits for a sale); -> its first cycle "
            f"(all sold meanwhile delivered) p50 {last['first_cycle_p50']:.1f} s, "
            f"p95 {last['first_cycle_p95']:.1f} s"
        )
    per_cycle = statistics.mean(r["cpu_ms_per_idle_cycle"] for r in results.values()) / 1000
    per_worker = int(60 / per_cycle) if per_cycle > 0 else 0
    print(
        f"projection: one core at --every 60 holds ~{per_worker} box offices by CPU; "
        f"10,000 box offices need ~{-(-10000 // max(per_worker, 1))} such workers"
    )


if __name__ == "__main__":
    main()
