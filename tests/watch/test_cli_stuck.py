"""Where a user of ``tickettailor watch`` got stuck (issue 10 s2), run as the user runs it:
the real command (typer's runner, or a subprocess where it must be stopped) against a
real sandbox, asserting what is printed and the exit code."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from tests.watch.shop import new_order, private_env, quiet_shop
from tickettailor.cli.main import app
from tickettailor.sandbox import RunningSandbox, SandboxConfig, serve_in_thread
from tickettailor.watch.state import StateStore

KEY_A = "sk_1000_100000_" + "a" * 32
KEY_B = "sk_1000_100000_" + "b" * 32
WRONG_KEY = "sk_1000_100000_" + "f" * 32


@pytest.fixture(autouse=True)
def _env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    private_env(tmp_path, monkeypatch)


@pytest.fixture
def shop() -> Iterator[RunningSandbox]:
    with quiet_shop(KEY_A, seed=3, orders=60) as running:
        yield running


def tt(sandbox: RunningSandbox, key: str, *args: str) -> Result:
    return CliRunner().invoke(app, ["--api-key", key, "--base-url", sandbox.base_url, *args])


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


# -- a new API key --------------------------------------------------------------------


def test_a_new_key_of_the_same_box_office_carries_the_state_over(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    run = ["watch", "orders", "--once", "--sink", f"jsonl:{out}"]  # the profile's state

    def connect(sandbox: RunningSandbox, key: str) -> None:
        args = ["--base-url", sandbox.base_url, "connect", "--api-key", key]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.stderr

    config = SandboxConfig(keys=[KEY_A], seed=3, orders=60)
    with serve_in_thread(config) as first:
        connect(first, KEY_A)
        assert CliRunner().invoke(app, [*run, "--start", "all"]).exit_code == 0
    assert len(lines(out)) == 60
    # The sandbox restarted with a new key: the same box office (same seed and data).
    with serve_in_thread(dataclasses.replace(config, keys=[KEY_B])) as second:
        connect(second, KEY_B)
        order = new_order(second)
        moved = CliRunner().invoke(app, run)
        assert moved.exit_code == 0, moved.stderr
        assert "belonged to another API key of the same box office" in moved.stderr
        assert "carried over to this key" in moved.stderr
        assert [e["data"]["id"] for e in lines(out)[60:]] == [order["id"]]  # nothing twice
        again = CliRunner().invoke(app, run)
    assert again.exit_code == 0
    assert "carried over" not in again.stderr
    assert KEY_A not in moved.stderr + again.stderr
    assert KEY_B not in moved.stderr + again.stderr


def test_a_key_of_another_box_office_is_refused_with_the_fix_and_reset_works(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    state, out = tmp_path / "orders.sqlite3", tmp_path / "out.jsonl"
    run = ["watch", "orders", "--once", "--state", str(state), "--sink", f"jsonl:{out}"]
    first, other = sandbox.keys[0], sandbox.keys[1]
    assert tt(sandbox, first, *run, "--start", "all").exit_code == 0
    theirs = {e["data"]["id"] for e in lines(out)}

    refused = tt(sandbox, other, *run)
    assert refused.exit_code == 1
    assert "belongs to another API key" in refused.stderr
    assert f"`tickettailor watch reset orders --state {state} --yes`" in refused.stderr
    assert first not in refused.stderr
    assert other not in refused.stderr

    over = tt(sandbox, other, *run, "--reset", "--start", "all")
    assert over.exit_code == 0, over.stderr
    assert "belonged to another API key; reset, nothing of it is kept" in over.stderr
    ours = lines(out)[len(theirs) :]
    assert ours
    assert not {e["data"]["id"] for e in ours} & theirs

    # `watch reset` works on a state of another key too; the state is then this key's.
    reset = tt(sandbox, first, "watch", "reset", "orders", "--state", str(state), "--yes")
    assert reset.exit_code == 0, reset.stderr
    assert tt(sandbox, first, *run).exit_code == 0


# -- a sink that failed keeps its backlog ----------------------------------------------


def test_a_broken_sinks_backlog_is_named_and_can_be_removed(
    shop: RunningSandbox, tmp_path: Path
) -> None:
    state, good = tmp_path / "orders.sqlite3", tmp_path / "good.jsonl"
    broken = "jsonl:/proc/x.jsonl"
    base = ["watch", "orders", "--once", "--state", str(state)]
    failed = tt(shop, KEY_A, *base, "--start", "all", "--sink", broken)
    assert failed.exit_code == 1

    other = tt(shop, KEY_A, *base, "--sink", f"jsonl:{good}")
    assert other.exit_code == 0, other.stderr
    assert f"sink {broken} holds 60 pending deliveries that this run does not serve" in (
        other.stderr
    )
    assert f"tickettailor watch orders --once --sink {broken} --state {state}\n" in other.stderr
    assert f"tickettailor watch sinks remove orders {broken} --state {state}\n" in other.stderr
    since = re.search(r"watch replay orders --since (\S+) --sink SPEC", other.stderr)
    assert since, other.stderr
    replay = ["watch", "replay", "orders", "--since", since[1], "--state", str(state)]
    replayed = tt(shop, KEY_A, *replay, "--sink", f"jsonl:{good}")
    assert replayed.exit_code == 0, replayed.stderr
    assert len(lines(good)) == 60  # the backlog, sent to the working sink instead

    listed = tt(shop, KEY_A, "watch", "sinks", "list", "--state", str(state))
    assert listed.exit_code == 0, listed.stderr
    assert f"{broken}: 60 pending, 0 delivered" in listed.stdout

    remove = ["watch", "sinks", "remove", broken, "--state", str(state)]
    unconfirmed = tt(shop, KEY_A, *remove)
    assert unconfirmed.exit_code == 2
    assert "drops its 60 pending deliveries: add --yes" in unconfirmed.stderr
    removed = tt(shop, KEY_A, *remove, "--yes")
    assert removed.exit_code == 0, removed.stderr
    assert "60 pending deliveries dropped" in removed.stderr

    quiet = tt(shop, KEY_A, *base, "--sink", f"jsonl:{good}")
    assert quiet.exit_code == 0
    assert "does not serve" not in quiet.stderr
    listed = tt(shop, KEY_A, "watch", "sinks", "list", "--state", str(state))
    assert broken not in listed.stdout
    assert f"jsonl:{good}: 0 pending, 60 delivered" in listed.stdout


def test_removing_an_unknown_sink_names_the_sinks_there(
    shop: RunningSandbox, tmp_path: Path
) -> None:
    state = tmp_path / "orders.sqlite3"
    out = tmp_path / "a.jsonl"
    run = ["watch", "orders", "--once", "--start", "all", "--state", str(state)]
    assert tt(shop, KEY_A, *run, "--sink", f"jsonl:{out}").exit_code == 0
    result = tt(shop, KEY_A, "watch", "sinks", "remove", "orders", "jsonl:b.jsonl", "--yes")
    assert result.exit_code == 2
    assert "no watch state for orders here" in result.stderr
    result = tt(
        shop, KEY_A, "watch", "sinks", "remove", "jsonl:b.jsonl", "--state", str(state), "--yes"
    )
    assert result.exit_code == 0  # removing what is not there is done, as with rm -f
    assert f"holds no deliveries for jsonl:b.jsonl (sinks with deliveries there: jsonl:{out})" in (
        result.stderr
    )
    assert f"jsonl:{out}" in tt(shop, KEY_A, "watch", "sinks", "list", "--state", str(state)).stdout


# -- "Five minutes": never silent --------------------------------------------------------


def test_nothing_new_is_said_and_a_later_start_is_said_to_be_ignored(
    shop: RunningSandbox, tmp_path: Path
) -> None:
    state = tmp_path / "orders.sqlite3"
    run = ["watch", "orders", "--once", "--state", str(state)]
    first = tt(shop, KEY_A, *run, "--start", "-1h")
    assert first.exit_code == 0, first.stderr
    assert first.stdout == ""  # stdout is for envelopes only
    assert "orders: no new orders since 20" in first.stderr
    assert "position saved" in first.stderr
    assert "--reset" in first.stderr

    later = tt(shop, KEY_A, *run, "--start", "-7d")
    assert later.exit_code == 0
    assert "--start -7d is ignored: this state already has a position" in later.stderr
    assert "add --reset to start from -7d" in later.stderr
    assert later.stdout == ""

    restarted = tt(shop, KEY_A, *run, "--start", "all", "--reset")
    assert restarted.exit_code == 0
    assert len(restarted.stdout.splitlines()) == 60  # --reset: the start applies
    assert "ignored" not in restarted.stderr


# -- polish ----------------------------------------------------------------------------


def test_a_refused_key_stops_with_the_fix_instead_of_retrying(
    shop: RunningSandbox, tmp_path: Path
) -> None:
    once = tt(shop, WRONG_KEY, "watch", "orders", "--once", "--state", str(tmp_path / "s"))
    assert once.exit_code == 1
    assert "The API key was refused" in once.stderr
    assert "tickettailor connect" in once.stderr
    assert "will retry" not in once.stderr
    assert WRONG_KEY not in once.stderr

    environ = {k: v for k, v in os.environ.items() if not k.startswith("TICKETTAILOR_")}
    environ.update(
        TICKETTAILOR_API_KEY=WRONG_KEY,
        TICKETTAILOR_BASE_URL=shop.base_url,
        TICKETTAILOR_CONFIG_DIR=str(tmp_path / "config"),
        TICKETTAILOR_TEST_MODE="1",
    )
    command = [sys.executable, "-c", "from tickettailor.cli.main import main; main()"]
    command += ["watch", "orders", "--every", "300", "--state", str(tmp_path / "t")]
    done = subprocess.run(command, env=environ, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1  # not transient: no endless retrying under a supervisor
    assert "The API key was refused" in done.stderr


def test_a_busy_state_names_wait(shop: RunningSandbox, tmp_path: Path) -> None:
    state = tmp_path / "orders.sqlite3"
    assert tt(shop, KEY_A, "watch", "orders", "--once", "--state", str(state)).exit_code == 0
    holder = StateStore.open(state, resource="orders", key_fingerprint=None)
    try:
        holder.acquire()
        busy = tt(shop, KEY_A, "watch", "orders", "--once", "--state", str(state))
    finally:
        holder.close()
    assert busy.exit_code != 0
    assert "in use by another watcher" in busy.stderr
    assert "--wait SECONDS" in busy.stderr


def test_status_of_a_state_file_needs_no_resource(shop: RunningSandbox, tmp_path: Path) -> None:
    state = tmp_path / "x.sqlite3"
    assert tt(shop, KEY_A, "watch", "events", "--once", "--state", str(state)).exit_code == 0
    shown = tt(shop, KEY_A, "watch", "status", "--state", str(state))
    assert shown.exit_code == 0, shown.stderr
    assert shown.stdout.startswith(f"events  ({state})")


def test_deliveries_are_counted_per_sink(shop: RunningSandbox, tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    result = tt(
        shop,
        KEY_A,
        *("watch", "orders", "--once", "--start", "all", "--state", str(tmp_path / "s")),
        *("--sink", f"jsonl:{a}", "--sink", f"jsonl:{b}"),
    )
    assert result.exit_code == 0, result.stderr
    assert f"orders: 60 new; delivered 60 to jsonl:{a}, 60 to jsonl:{b}" in result.stderr


def test_help_promises_at_least_once_with_a_stable_key() -> None:
    result = CliRunner().invoke(app, ["watch", "--help"])
    text = " ".join(result.stdout.split())
    assert "at least once, with a stable key (SQL sinks apply each once)" in text
    assert "deliver each to your sinks once" not in text


@pytest.mark.parametrize(
    "spec",
    [
        "-",
        "jsonl:/tmp/a.jsonl",
        "sqlite:/tmp/shop.db",
        "sqlite,table=t2:/tmp/x#y.db",
        "exec:cat -n",
    ],
)
def test_the_hint_for_a_left_behind_sink_gives_a_spec_of_that_sink(spec: str) -> None:
    from tickettailor.cli.watch import _spec_of
    from tickettailor.sinks import parse_sink_spec

    name = parse_sink_spec(spec).name
    assert parse_sink_spec(_spec_of(name)).name == name
