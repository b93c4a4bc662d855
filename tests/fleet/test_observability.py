"""What operators see: /metrics, /healthz, /readyz, JSON logs, `fleet status`, the page."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import httpx2
import pytest

from tests.cli.conftest import invoke
from tests.fleet.kit import add_box_offices, running, start_worker, wait_for
from tickettailor.fleet.page import svg_chart
from tickettailor.fleet.secrets import Secrets, new_secret
from tickettailor.fleet.status import HOURS
from tickettailor.fleet.web import serve
from tickettailor.fleet.worker import Worker
from tickettailor.sandbox import RunningSandbox, SandboxConfig, serve_in_thread

SECRET = new_secret()
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "build" / "test-artifacts" / "fleet-status.png"


def key(n: int) -> str:
    return f"sk_{5000 + n}_{600000 + n}_" + f"{n:032x}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def shops(sandbox_config: SandboxConfig) -> Iterator[RunningSandbox]:
    config = dataclasses.replace(sandbox_config, keys=(key(0), key(1)), orders=30)
    with serve_in_thread(config) as running:
        yield running


@pytest.fixture
def fleet(
    pg_dsn: str, fleet_schema: str, shops: RunningSandbox, tmp_path: Path
) -> Iterator[tuple[str, str]]:
    """Two box offices (one with a revoked key) held by one worker process on a port."""
    add_box_offices(
        pg_dsn,
        fleet_schema,
        SECRET,
        {"north": key(0), "south": key(1), "closed": "sk_1_1_" + "e" * 32},
        base_url=shops.base_url,
        sink=lambda name: f"jsonl:{tmp_path / name}.jsonl",
    )
    port = free_port()
    log = tmp_path / "worker.log"
    worker = start_worker(
        pg_dsn,
        fleet_schema,
        SECRET,
        ttl=6,
        log_path=str(log),
        extra=("--metrics-port", str(port), "--log-format", "json"),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for("the worker ready", lambda: _get(base, "/readyz") == 200, timeout=30)
        wait_for("deliveries", lambda: (tmp_path / "north.jsonl").exists(), timeout=30)
        yield base, str(log)
    finally:
        worker.term()


def _get(base: str, path: str) -> int | None:
    try:
        return httpx2.get(base + path, timeout=2).status_code
    except httpx2.HTTPError:
        return None


def test_metrics_health_logs_and_fleet_status(
    fleet: tuple[str, str], pg_dsn: str, fleet_schema: str
) -> None:
    base, log = fleet
    assert _get(base, "/healthz") == 200
    metrics = wait_for(
        "lag and the refused key in /metrics",
        lambda: (
            text
            if 'tickettailor_key_refused{box_office="closed"} 1.0'
            in (text := httpx2.get(base + "/metrics").text)
            else None
        ),
    )
    assert "tickettailor_leases_held 3.0" in metrics
    assert 'tickettailor_lag_seconds{box_office="north",resource="orders"}' in metrics
    assert 'tickettailor_key_refused{box_office="north"} 0.0' in metrics
    assert "tickettailor_delivered_total" in metrics
    status = invoke(
        "fleet", "status", "--postgres", pg_dsn, "--schema", fleet_schema, COLUMNS="200"
    )
    assert status.exit_code == 0, status.output
    lines = {line.split()[0]: line for line in status.output.splitlines()[1:]}
    assert set(lines) == {"closed", "north", "south"}
    assert "key refused" in lines["closed"]
    assert "active" in lines["north"]
    entries = [json.loads(line) for line in Path(log).read_text().splitlines() if line]
    assert any("claimed" in e["message"] for e in entries)
    assert {"time", "level", "logger", "message"} <= set(entries[0])
    assert SECRET not in Path(log).read_text()


def test_readyz_is_503_until_the_worker_reached_the_database(
    pg_dsn: str, fleet_schema: str
) -> None:
    worker = Worker(pg_dsn, fleet_schema, secrets=Secrets(SECRET))
    server = serve(worker, free_port())
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        assert _get(base, "/readyz") == 503
        assert _get(base, "/healthz") == 200
        worker.ready = True
        assert _get(base, "/readyz") == 200
    finally:
        server.shutdown()


def test_a_chart_has_one_point_per_hour() -> None:
    svg = svg_chart([1.0, None, 3.0], label="x", css="orders")
    assert svg.count(",") == 3
    assert 'aria-label="x"' in svg


class _Page(HTMLParser):
    """What the browser built: each fleet row's name and text, each chart's point count."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, str] = {}
        self.chart_points: list[int] = []
        self._row: str | None = None
        self._in_chart = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        classes = (found.get("class") or "").split()
        if tag == "tr":
            self._row = found.get("data-name") if "box-office" in classes else None
            if self._row is not None:
                self.rows[self._row] = ""
        elif tag == "svg":
            self._in_chart = "chart" in classes
        elif tag == "polyline" and self._in_chart:
            self.chart_points.append(len((found.get("points") or "").split()))

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr":
            self._row = None
        elif tag == "svg":
            self._in_chart = False

    def handle_data(self, data: str) -> None:
        if self._row is not None:
            self.rows[self._row] += data


def _chromium(*args: str) -> str:
    """Run Debian's headless chromium on ``args``; its standard output."""
    chromium = shutil.which("chromium")
    if not chromium:
        if os.environ.get("CI"):
            pytest.fail("CI has no chromium: .ci/run must install it")
        pytest.skip("headless browser test: apt-get install chromium")
    flags = ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu")
    done = subprocess.run(
        [chromium, *flags, "--window-size=1400,900", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


def test_the_status_page_in_a_real_browser(fleet: tuple[str, str]) -> None:
    """The page as chromium renders it: the DOM it built, and a screenshot."""
    base, _ = fleet
    page = _Page()
    page.feed(_chromium("--dump-dom", base + "/"))
    assert sorted(page.rows) == ["closed", "north", "south"]
    assert len(page.chart_points) >= len(page.rows)  # charts for each box office
    assert set(page.chart_points) == {HOURS}
    assert "active" in page.rows["north"]
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    SCREENSHOT.unlink(missing_ok=True)
    _chromium(f"--screenshot={SCREENSHOT}", base + "/")
    assert SCREENSHOT.stat().st_size > 1000
    assert SCREENSHOT.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _metric(text: str, name: str, box_office: str) -> float | None:
    for line in text.splitlines():
        if line.startswith(f'{name}{{box_office="{box_office}"}} '):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_requests_429s_and_the_rate_limit_left_per_box_office(
    pg_dsn: str, fleet_schema: str, sandbox_config: SandboxConfig, tmp_path: Path
) -> None:
    config = dataclasses.replace(
        sandbox_config,
        keys=(key(0), key(1)),
        orders=30,
        rate_limit=(10000, 1800),
        faults="429:2,path=/v1/orders*,count=1,retry_after=1",
    )
    with serve_in_thread(config) as shop:
        add_box_offices(
            pg_dsn,
            fleet_schema,
            SECRET,
            {"north": key(0), "south": key(1)},
            base_url=shop.base_url,
            sink=lambda name: f"jsonl:{tmp_path / name}.jsonl",
        )
        worker = Worker(pg_dsn, fleet_schema, secrets=Secrets(SECRET), lease_ttl=6)
        server = serve(worker, free_port())
        base = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            with running(worker):
                for name in ("north", "south"):
                    wait_for(f"{name} delivered", lambda n=name: (tmp_path / f"{n}.jsonl").exists())
                text = httpx2.get(base + "/metrics").text
        finally:
            server.shutdown()
    limited = {
        n: _metric(text, "tickettailor_api_rate_limited_total", n) for n in ("north", "south")
    }
    assert sum(v or 0 for v in limited.values()) == 2  # one burst of two 429s
    for name in ("north", "south"):
        requests = _metric(text, "tickettailor_api_requests_total", name)
        left = _metric(text, "tickettailor_rate_limit_remaining", name)
        assert requests is not None
        assert requests >= 1 + (limited[name] or 0)  # the 429s were retried
        assert left is not None
        assert 10000 - requests <= left < 10000  # the API's own count of this key's calls
    assert "tickettailor_leases_held 2.0" in text


def test_db_connections_sets_the_state_pool(
    pg_dsn: str, fleet_schema: str, shops: RunningSandbox, tmp_path: Path
) -> None:
    import psycopg

    names = {f"shop{n}": key(n % 2) for n in range(4)}
    add_box_offices(
        pg_dsn,
        fleet_schema,
        SECRET,
        names,
        base_url=shops.base_url,
        sink=lambda name: f"jsonl:{tmp_path / name}.jsonl",
    )
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        (since,) = conn.execute("SELECT now()").fetchone() or (None,)

    def fleet_connections() -> int:
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = "
                "'tickettailor-fleet' AND backend_start >= %s",
                (since,),
            ).fetchone()
        return int(row[0]) if row else 0

    worker = Worker(pg_dsn, fleet_schema, secrets=Secrets(SECRET), lease_ttl=6, connections=2)
    with running(worker):
        for name in names:
            wait_for(f"{name} delivered", lambda n=name: (tmp_path / f"{n}.jsonl").exists())
        assert fleet_connections() == 2 + 2  # the pool, the control and LISTEN connections
    bad = invoke("worker", "--db-connections", "0", "--postgres", pg_dsn)
    assert bad.exit_code == 2
    assert "--db-connections" in bad.output
