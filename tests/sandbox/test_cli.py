"""``tickettailor sandbox``: a real process serving the API, and clear usage errors."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx2
import pytest
from typer.testing import CliRunner

from tests.conftest import TEST_KEY
from tickettailor.cli.main import app
from tickettailor.sandbox import KEY_PATTERN

RUN = [sys.executable, "-c", "from tickettailor.cli.main import main; main()", "sandbox"]


def test_help_shows_the_options_and_an_example() -> None:
    result = CliRunner().invoke(app, ["sandbox", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for text in ("--port", "--api-key", "--seed", "--orders", "--events", "--rate-limit", "--db",
                 "--changes", "$ tickettailor sandbox --port 9000",
                 "$ tickettailor sandbox --sales-per-minute 60 --changes"):  # fmt: skip
        assert text in result.output


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["--rate-limit", "5x"], "REQUESTS/SECONDS"),
        (["--rate-limit", "0/10"], "REQUESTS/SECONDS"),
        (["--port", "70000"], "--port: must be 65535 or less"),
        (["--orders", "-1"], "--orders: must be 0 or more"),
        (["--events", "0"], "--events: must be 1 or more"),
        (["--api-key", "has space"], "without spaces"),
        (["--api-key", TEST_KEY, "--api-key", TEST_KEY], "different"),
        (["--db", "/no/such/folder/x.sqlite"], "does not exist"),
        (["--sales-per-minute", "5", "--changes", "cancel=lots"], "is not NAME=RATE"),
        (["--sales-per-minute", "5", "--changes", "refunds=0.1"], "names: cancel, refund"),
        (["--sales-per-minute", "5", "--changes", "pending=2"], "between 0 and 1"),
        (["--changes", "cancel=0.1"], "add --sales-per-minute"),
    ],
)
def test_bad_option_values_exit_2_with_a_clear_message(args: list[str], complaint: str) -> None:
    result = CliRunner().invoke(app, ["sandbox", *args], env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert complaint in result.output


@contextmanager
def running(*args: str) -> Iterator[tuple[subprocess.Popen[str], list[str]]]:
    proc = subprocess.Popen(
        [*RUN, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 60
        while not any("Try: curl" in line for line in lines):
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            assert time.monotonic() < deadline, lines
        yield proc, lines
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_serves_the_api_prints_url_and_key_and_stops_on_ctrl_c() -> None:
    with running("--port", "0", "--orders", "40", "--events", "3", "--api-key", TEST_KEY,
                 "--rate-limit", "100/60") as (proc, lines):  # fmt: skip
        text = "".join(lines)
        url = re.search(r"ready at (http://127\.0\.0\.1:\d+)", text)
        assert url, text
        assert f"API key: {TEST_KEY}" in text
        base = url.group(1)
        assert httpx2.get(f"{base}/v1/ping").json() == {"version": "1.0"}
        orders = httpx2.get(f"{base}/v1/orders?limit=2", auth=(TEST_KEY, ""))
        assert orders.status_code == 200
        assert orders.headers["x-rate-limit-limit"] == "100"
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=15) == 0


def test_changes_sets_the_simulators_rates_per_order_sold() -> None:
    only_cancels = "cancel=0.5," + ",".join(
        f"{name}=0" for name in ("refund", "void", "pending", "confirm", "event-move",
                                 "event_status", "sold_out", "check_in")
    )  # fmt: skip
    args = ["--port", "0", "--orders", "20", "--events", "3", "--api-key", TEST_KEY]
    with running(*args, "--sales-per-minute", "600", "--changes", only_cancels) as (_, lines):
        text = "".join(lines)
        assert "changes per order sold: cancel 0.5, refund 0, void 0," in text
        base = re.search(r"ready at (\S+)", text)
        assert base, text
        url = f"{base.group(1)}/_sandbox/simulator"
        got = httpx2.get(url, auth=(TEST_KEY, "")).json()
        assert got["changes"]["cancel"] == 0.5
        assert got["changes"]["check_in"] == got["changes"]["refund"] == 0
        deadline = time.monotonic() + 30
        while not got["done"].get("cancel"):  # the simulator cancels what it sells
            assert time.monotonic() < deadline, got
            time.sleep(0.2)
            got = httpx2.get(url, auth=(TEST_KEY, "")).json()
        assert not got["done"].get("refund"), got
        assert not got["done"].get("check_in"), got
    with running(*args, "--sales-per-minute", "60", "--changes", "off") as (_, lines):
        assert "changes per order sold: cancel 0, refund 0," in "".join(lines)


def test_without_a_key_it_makes_one_in_the_real_format() -> None:
    with running("--port", "0", "--orders", "5", "--events", "2",
                 "--rate-limit", "off") as (proc, lines):  # fmt: skip
        text = "".join(lines)
        key = re.search(r"API key: (\S+)", text)
        assert key, text
        assert KEY_PATTERN.fullmatch(key.group(1))
        base = re.search(r"ready at (\S+)", text)
        assert base
        response = httpx2.get(f"{base.group(1)}/v1/overview", auth=(key.group(1), ""))
        assert response.status_code == 200
        assert "x-rate-limit-limit" not in response.headers
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0


def test_a_port_in_use_is_a_usage_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [*RUN, "--port", str(port), "--orders", "5", "--events", "2"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "--port" in result.stderr


def _started_key(*args: str) -> str:
    with running("--port", "0", "--orders", "5", "--events", "2", *args) as (proc, lines):
        text = "".join(lines)
        key = re.search(r"API key: (\S+)", text)
        assert key, text
        base = re.search(r"ready at (\S+)", text)
        assert base, text
        answer = httpx2.get(f"{base.group(1)}/v1/overview", auth=(key.group(1), ""))
        assert answer.status_code == 200
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=15) == 0
        return key.group(1)


def test_the_default_key_is_the_same_on_every_start_of_a_seed() -> None:
    first, again, other_seed = _started_key(), _started_key(), _started_key("--seed", "2")
    assert first == again
    assert KEY_PATTERN.fullmatch(first)
    assert other_seed != first
    assert _started_key("--api-key", TEST_KEY) == TEST_KEY
