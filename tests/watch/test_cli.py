"""``tickettailor watch ...`` in-process (typer's runner) against the shared sandbox."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from tickettailor.cli.main import app
from tickettailor.sandbox import RunningSandbox
from tickettailor.watch import fingerprint


@pytest.fixture
def tt(sandbox: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Run ``tickettailor`` with the sandbox's key and URL, and a private data dir."""
    for name in ("TICKETTAILOR_PROFILE", "TICKETTAILOR_TZ", "TICKETTAILOR_CRASH_AT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TICKETTAILOR_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("TICKETTAILOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TICKETTAILOR_BASE_URL", sandbox.base_url)
    monkeypatch.setenv("TICKETTAILOR_API_KEY", sandbox.key)
    monkeypatch.setenv("TICKETTAILOR_TEST_MODE", "1")

    def run(*args: str) -> Result:
        return CliRunner().invoke(app, list(args))

    return run


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_watch_once_then_status_replay_reset(tt, sandbox: RunningSandbox, tmp_path: Path):
    out = tmp_path / "orders.jsonl"
    first = tt("watch", "orders", "--once", "--start", "all", "--sink", f"jsonl:{out}")
    assert first.exit_code == 0, first.stderr
    assert f"orders: 400 new; delivered 400 to jsonl:{out}" in first.stderr
    got = lines(out)
    assert len({e["id"] for e in got}) == len(got) == 400
    assert [e["data"]["id"] for e in got] == sorted(
        (e["data"]["id"] for e in got), key=lambda i: int(i[3:])
    )
    again = tt("watch", "orders", "--once", "--sink", f"jsonl:{out}")
    assert again.exit_code == 0
    assert len(lines(out)) == 400  # nothing new, nothing twice

    state = tmp_path / "data" / "watch" / f"key-{fingerprint(sandbox.key)}" / "orders.sqlite3"
    assert state.exists()
    assert sandbox.key.encode() not in state.read_bytes()  # the key's fingerprint only

    status = tt("watch", "status", "orders")
    assert status.exit_code == 0, status.stderr
    assert "0 pending, 400 delivered, 0 dead letters" in status.stdout
    info = json.loads(tt("watch", "status", "--json").stdout)
    assert info["resource"] == "orders"
    assert info["sinks"][0]["delivered"] == 400
    assert info["running"] is None

    since = got[-10]["timestamp"]
    replay = tt("watch", "replay", "orders", "--since", since, "--sink", f"jsonl:{out}")
    assert replay.exit_code == 0, replay.stderr
    replayed = lines(out)[400:]
    assert replayed
    assert replayed == [e for e in got if e["timestamp"] >= since]  # same keys, same data

    reset = tt("watch", "reset", "orders", "--yes")
    assert reset.exit_code == 0, reset.stderr
    fresh = tt("watch", "orders", "--once", "--start", "now", "--sink", f"jsonl:{out}")
    assert fresh.exit_code == 0
    assert len(lines(out)) == 400 + len(replayed)  # reset + --start now: no history


def test_several_watches_in_one_process(tt, tmp_path: Path):
    out = tmp_path / "all.jsonl"
    result = tt(
        "watch", "orders", "events", "check-ins", "--once", "--start", "all",
        "--state", str(tmp_path / "states"), "--sink", f"jsonl:{out}",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    types = {e["type"] for e in lines(out)}
    assert types == {"order.created", "event.created", "check_in.created"}
    assert sorted(p.name for p in (tmp_path / "states").iterdir() if p.suffix == ".sqlite3") == [
        "check-ins.sqlite3",
        "events.sqlite3",
        "orders.sqlite3",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--start", "soonish"], "--start 'soonish' is not now, all, a date"),
        (["--start", "ev_1"], "ids of orders start with 'or_'"),
        (["--limit", "0"], "--limit"),
        (["--sink", "carrier-pigeon:loft"], "carrier-pigeon"),
    ],
)
def test_bad_options_are_usage_errors(tt, tmp_path: Path, args, message):
    result = tt("watch", "orders", "--once", "--state", str(tmp_path / "s"), *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "s").exists()


def test_foreign_state_is_refused_and_untouched(tt, tmp_path: Path):
    state = tmp_path / "notes.txt"
    state.write_text("my notes, not a watch state\n" * 100)
    result = tt("watch", "orders", "--once", "--state", str(state))
    assert result.exit_code == 1
    assert "is not a tickettailor watch state" in result.stderr
    assert state.read_text() == "my notes, not a watch state\n" * 100


def test_state_of_another_key_is_refused(tt, tmp_path: Path, sandbox: RunningSandbox):
    state = tmp_path / "s.sqlite3"
    assert tt("watch", "events", "--once", "--state", str(state)).exit_code == 0
    other = CliRunner().invoke(
        app,
        ["--api-key", sandbox.keys[1], "watch", "events", "--once", "--state", str(state)],
    )
    assert other.exit_code == 1
    assert "belongs to another API key" in other.stderr
    assert sandbox.keys[1] not in other.stderr
    assert sandbox.key not in other.stderr


def test_status_without_state_says_what_to_do(tt):
    result = tt("watch", "status", "orders")
    assert result.exit_code == 2
    assert "run `tickettailor watch orders` first" in result.stderr


def test_state_file_with_several_watches_is_a_usage_error(tt, tmp_path: Path):
    state = tmp_path / "one.sqlite3"
    assert tt("watch", "events", "--once", "--state", str(state)).exit_code == 0
    result = tt("watch", "orders", "events", "--once", "--state", str(state))
    assert result.exit_code == 2
    assert "several watches need a directory" in result.stderr
    shown = tt("watch", "status", "events", "--state", str(state))
    assert shown.exit_code == 0
    assert "events" in shown.stdout
