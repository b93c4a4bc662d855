"""``tickettailor watch issued-tickets --voids-every SECONDS`` against a private sandbox:
by default a void waits for the next void scan (every 300 s); ``--voids-every 0``
scans every cycle, as the watch did before, and delivers it at once, once."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from typer.testing import CliRunner, Result

from tickettailor import Client
from tickettailor.cli.main import app
from tickettailor.sandbox import RunningSandbox, SandboxConfig, serve_in_thread


@pytest.fixture(scope="module")
def shop(sandbox_config: SandboxConfig) -> Iterator[RunningSandbox]:
    """A private sandbox (this module voids a ticket)."""
    with serve_in_thread(dataclasses.replace(sandbox_config, orders=40)) as running:
        yield running


@pytest.fixture
def tt(shop: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    for name in ("TICKETTAILOR_PROFILE", "TICKETTAILOR_TZ", "TICKETTAILOR_CRASH_AT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TICKETTAILOR_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("TICKETTAILOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TICKETTAILOR_BASE_URL", shop.base_url)
    monkeypatch.setenv("TICKETTAILOR_API_KEY", shop.key)
    monkeypatch.setenv("TICKETTAILOR_TEST_MODE", "1")

    def run(*args: str) -> Result:
        return CliRunner().invoke(app, list(args))

    return run


def envelopes(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def void_a_ticket(shop: RunningSandbox) -> dict:
    with Client(shop.key, base_url=shop.base_url) as client:
        ticket = next(t.raw for t in client.issued_tickets.list() if t.raw["status"] == "valid")
    response = httpx2.post(
        f"{shop.base_url}/_sandbox/issued_tickets/{ticket['id']}/void",
        json={},
        auth=(shop.key, ""),
    )
    assert response.status_code == 200, response.text
    return ticket


def test_voids_wait_for_the_void_scan_and_voids_every_0_scans_each_cycle(
    tt, shop: RunningSandbox, tmp_path: Path
) -> None:
    state, out = tmp_path / "tickets.sqlite3", tmp_path / "tickets.jsonl"
    watch = ["watch", "issued-tickets", "--once", "--state", str(state), "--sink", f"jsonl:{out}"]
    assert tt(*watch).exit_code == 0  # start now: the first cycle scans voids
    ticket = void_a_ticket(shop)

    default = tt(*watch)
    assert default.exit_code == 0, default.stderr
    assert envelopes(out) == []  # not yet: the next void scan is 300 s after the first

    for _ in range(2):
        every_cycle = tt(*watch, "--voids-every", "0")
        assert every_cycle.exit_code == 0, every_cycle.stderr
    (void,) = envelopes(out)  # delivered by the first such run, and only once
    assert void["type"] == "issued_ticket.updated"
    assert void["data"]["id"] == ticket["id"]
    assert void["data"]["status"] == "voided"

    status = tt("watch", "status", "issued-tickets", "--state", str(state))
    assert status.exit_code == 0, status.stderr
    assert "position:     voided up to" in status.stdout
    assert ", last scanned 20" in status.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check-ins", "--voids-every", "60"], "--voids-every is for issued-tickets and orders"),
        (["issued-tickets", "--voids-every", "-1"], "--voids-every"),
        (["issued-tickets", "--voids-every", "inf"], "give a number of seconds"),
    ],
)
def test_bad_voids_every_is_a_usage_error(tt, tmp_path: Path, args, message) -> None:
    result = tt("watch", *args, "--once", "--state", str(tmp_path / "s"))
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "s").exists()
