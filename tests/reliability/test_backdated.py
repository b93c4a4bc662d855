"""Back-dated orders (issue 11 s6): orders whose ``created_at`` lies further back than the
60 s ``--lookback`` when they first show up (``ago: 90, 300, 3600`` through the sandbox's
control API) are delivered, once, by ``tickettailor watch orders`` run as a user runs it;
and the limit is plain when the re-list is turned off."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from tests.watch.shop import new_order, private_env, quiet_shop
from tickettailor.cli.main import app
from tickettailor.sandbox import RunningSandbox

KEY = "sk_1000_100000_" + "d" * 32


@pytest.fixture(autouse=True)
def _env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    private_env(tmp_path, monkeypatch)


@pytest.fixture
def shop() -> Iterator[RunningSandbox]:
    with quiet_shop(KEY, seed=5, orders=20) as running:
        yield running


def order(shop: RunningSandbox, ago: int = 0) -> str:
    return str(new_order(shop, ago=ago)["id"])


def watch(shop: RunningSandbox, state: Path, out: Path, *more: str) -> Result:
    args = ["--api-key", KEY, "--base-url", shop.base_url, "watch", "orders", "--once"]
    args += ["--start", "-2h", "--state", str(state), "--sink", f"jsonl:{out}", *more]
    return CliRunner().invoke(app, args)


def delivered(out: Path) -> list[str]:
    return [json.loads(line)["data"]["id"] for line in out.read_text().splitlines()]


def test_back_dated_orders_are_delivered_once_and_reported(
    shop: RunningSandbox, tmp_path: Path
) -> None:
    state, out = tmp_path / "orders.sqlite3", tmp_path / "out.jsonl"
    newest = order(shop)
    first = watch(shop, state, out, "--recheck-every", "0")
    assert first.exit_code == 0, first.stderr
    assert delivered(out) == [newest]

    late = [order(shop, ago) for ago in (90, 300, 3600)]
    fresh = order(shop)
    second = watch(shop, state, out, "--recheck-every", "0")
    assert second.exit_code == 0, second.stderr
    assert sorted(delivered(out)) == sorted([newest, *late, fresh])
    assert "orders: 4 new (3 back-dated)" in second.stderr

    third = watch(shop, state, out, "--recheck-every", "0")
    assert third.exit_code == 0
    assert len(delivered(out)) == 5  # nothing twice
    assert "back-dated" not in third.stderr


def test_without_the_relist_back_dated_orders_are_the_documented_limit(
    shop: RunningSandbox, tmp_path: Path
) -> None:
    state, out = tmp_path / "orders.sqlite3", tmp_path / "out.jsonl"
    newest = order(shop)
    assert watch(shop, state, out, "--recheck-window", "0").exit_code == 0
    late = order(shop, 300)
    fresh = order(shop)
    assert watch(shop, state, out, "--recheck-window", "0").exit_code == 0
    assert delivered(out) == [newest, fresh]  # the 300 s back-dated one is behind the scan
    caught = watch(shop, state, out, "--recheck-every", "0")
    assert caught.exit_code == 0
    assert delivered(out) == [newest, fresh, late]
