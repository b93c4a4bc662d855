"""The simulator changes what it sold at realistic, configurable rates (ChangeRates):
an hour of simulated time on the sandbox's fake clock, read back through /v1 and a
webhook receiver on loopback."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import TEST_KEY
from tests.sandbox._util import SyncASGI, walk
from tests.sandbox.test_simulator import T0, FakeClock, check_consistent, config, run
from tests.sandbox.test_webhook_sender import Receiver
from tickettailor.sandbox import ChangeRates, Sandbox, create_app
from tickettailor.sandbox.simulator import Simulator

ONLY_CHANGES = ChangeRates(cancel=0, refund=0, void=0, pending=0, confirm=0, event_move=0,
                           event_status=0, sold_out=0, check_in=0)  # fmt: skip


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def world(receiver: Receiver) -> Iterator[tuple[SyncASGI, Sandbox, FakeClock]]:
    clock = FakeClock(T0)
    hooks = (receiver.url + "#ORDER.UPDATED,EVENT.UPDATED",)
    app = create_app(dataclasses.replace(config(clock), webhooks=hooks))
    api = SyncASGI(app)
    yield api, app.state.sandbox, clock
    api.close()
    app.state.sandbox.close()


def kinds(api: SyncASGI) -> Counter[str]:
    """Orders by what happened to them."""
    found: Counter[str] = Counter()
    for order in walk(api, "/v1/orders?limit=100", TEST_KEY):
        if order["status"] == "completed" and order["refund_amount"] > 0:
            found["partly refunded"] += 1
            assert all(t["status"] == "valid" for t in order["issued_tickets"])  # no void
        else:
            found[order["status"]] += 1
    return found


def test_an_hour_of_sales_brings_refunds_cancels_payments_and_event_changes(
    world: tuple[SyncASGI, Sandbox, FakeClock], receiver: Receiver
) -> None:
    api, sandbox, clock = world
    before = kinds(api)
    sim = Simulator(sandbox, 30)
    run(sim, clock, 3600, 5)
    check_consistent(api)
    after = kinds(api)
    done = sim.done
    sales = done["sale"]
    assert 1500 <= sales <= 2100
    # The defaults: a few percent cancelled, about 1% partly refunded, 2% paid offline.
    assert 0.015 * sales <= done["cancel"] <= 0.05 * sales
    assert 0.003 * sales <= done["refund"] <= 0.025 * sales
    assert after["cancelled"] - before["cancelled"] == done["cancel"]
    assert after["partly refunded"] - before["partly refunded"] == done["refund"]
    pending_sold = after["pending"] - before["pending"] + done["confirm"]
    assert 0.005 * sales <= pending_sold <= 0.04 * sales
    assert done["confirm"] > 0
    event_changes = done["event_move"] + done["event_status"] + done["sold_out"]
    assert 2 <= event_changes <= 20  # a few an hour at 30 sales a minute
    # Each order change was announced once; each event change at least once (restocks too).
    order_changes = done["cancel"] + done["refund"] + done["confirm"]
    delivered = receiver.wait_for(order_changes + event_changes)
    events = Counter(json.loads(r.body)["event"] for r in delivered)
    assert events["ORDER.UPDATED"] == order_changes
    assert events["EVENT.UPDATED"] >= event_changes


def test_rates_are_configurable_and_zero_means_never(
    world: tuple[SyncASGI, Sandbox, FakeClock],
) -> None:
    api, sandbox, clock = world
    before = kinds(api)
    rates = dataclasses.replace(ONLY_CHANGES, cancel=0.2, pending=0.5)
    sim = Simulator(sandbox, 30, changes=rates)
    run(sim, clock, 1800, 5)
    check_consistent(api)
    after = kinds(api)
    sales = sim.done["sale"]
    assert 0.15 * sales <= sim.done["cancel"] <= 0.25 * sales
    assert set(sim.done) == {"sale", "cancel"}  # every other change is off
    new_pending = after["pending"] - before["pending"]
    assert 0.4 * sales <= new_pending <= 0.6 * sales  # never confirmed: confirm=0
    assert after["partly refunded"] == before["partly refunded"]


def test_the_control_api_sets_rates_and_shows_them(
    world: tuple[SyncASGI, Sandbox, FakeClock],
) -> None:
    api, _sandbox, _clock = world

    def post(body: Any) -> Any:
        return api.request("POST", "/_sandbox/simulator", json=body)

    answer = post({"changes": {"cancel": 0.05, "sold_out": 0}})
    assert answer.status_code == 200, answer.text
    shown = answer.json()
    assert shown["sales_per_minute"] == 0  # the config's rate: nothing sells yet
    assert shown["changes"] == {**vars(ChangeRates()), "cancel": 0.05, "sold_out": 0}
    assert post({"sales_per_minute": 12}).json()["changes"]["cancel"] == 0.05
    for body, message in [
        ({"changes": {"cancelled": 0.1}}, "changes is an object of rates per order sold"),
        ({"changes": {"cancel": "often"}}, "each rate is a number"),
        ({"changes": {"pending": 2}}, "ChangeRates.pending must be a share between 0 and 1"),
    ]:
        refused = post(body)
        assert refused.status_code == 400
        assert message in refused.json()["message"]


def test_change_rates_refuse_impossible_values() -> None:
    with pytest.raises(ValueError, match=r"ChangeRates.cancel must be between 0 and 100"):
        ChangeRates(cancel=-0.1)
