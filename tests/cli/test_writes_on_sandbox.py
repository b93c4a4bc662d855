"""The writes people do by hand, end to end on a private sandbox: the API's state changes."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.cli.conftest import Run, invoke, jsonl
from tickettailor import Client
from tickettailor.sandbox import RunningSandbox, SandboxConfig, serve_in_thread


@pytest.fixture(scope="module")
def private(sandbox_config: SandboxConfig) -> Iterator[RunningSandbox]:
    """A sandbox of our own: these tests change its data."""
    with serve_in_thread(dataclasses.replace(sandbox_config, orders=40, events=4)) as running:
        yield running


@pytest.fixture
def tw(private: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> Run:
    monkeypatch.setenv("TICKETTAILOR_BASE_URL", private.base_url)
    monkeypatch.setenv("TICKETTAILOR_API_KEY", private.key)
    return invoke


@pytest.fixture
def lib(private: RunningSandbox) -> Iterator[Client]:
    with Client(private.key, base_url=private.base_url) as client:
        yield client


def ga_ticket_type(client: Client) -> tuple[str, str]:
    """(event id, ticket type id) of a published GA ticket type with seats left."""
    for event in client.events.list(status="published"):
        for ticket_type in event.raw["ticket_types"]:
            left = ticket_type["quantity"] - ticket_type["quantity_held"]
            if ticket_type["type"] == "GA" and left > 2:
                return event.raw["id"], ticket_type["id"]
    raise AssertionError("the sandbox data has a GA ticket type with seats left")


def as_json(result: Any) -> dict[str, Any]:
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_issue_check_in_by_barcode_then_void(tw: Run, lib: Client) -> None:
    event, ticket_type = ga_ticket_type(lib)
    issued = as_json(
        tw("issued-tickets", "issue", "--event", event, "--ticket-type", ticket_type,
           "--name", "Ada Lovelace", "--format", "json")
    )  # fmt: skip
    assert issued["source"] == "api"
    assert issued["order_id"] is None
    assert issued["full_name"] == "Ada Lovelace"

    checked = as_json(
        tw("check-ins", "add", issued["barcode"], "--event", event, "--format", "json")
    )
    assert checked["issued_ticket_id"] == issued["id"]
    assert checked["quantity"] == 1
    assert lib.issued_tickets.get(issued["id"]).raw["checked_in"] == "true"
    listed = jsonl(tw("check-ins", "list", "--ticket", issued["id"]).stdout)
    assert [c["id"] for c in listed] == [checked["id"]]

    out = as_json(tw("check-ins", "add", issued["id"], "--out", "--format", "json"))
    assert out["quantity"] == -1

    voided = as_json(tw("issued-tickets", "void", issued["id"], "--format", "json"))
    assert voided["voided"] == "true"
    assert lib.issued_tickets.get(issued["id"]).raw["status"] == "voided"


def test_discount_scoped_to_one_ticket_type(tw: Run, lib: Client) -> None:
    _, ticket_type = ga_ticket_type(lib)
    created = as_json(
        tw("discounts", "create", "--name", "Friends", "--code", "FRIEND5", "--amount", "5",
           "--ticket-type", ticket_type, "--max-redemptions", "20", "--format", "json")
    )  # fmt: skip
    assert created["type"] == "fixed_amount"
    assert created["face_value_amount"] == 500
    assert created["ticket_types"] == [ticket_type]  # scoped, not valid everywhere (T3)
    assert created["max_redemptions"] == 20
    found = jsonl(tw("discounts", "list", "--code", "FRIEND5").stdout)
    assert [d["id"] for d in found] == [created["id"]]
    percent = as_json(
        tw("discounts", "create", "--name", "Tenner", "--code", "TEN", "--percent", "10",
           "--format", "json")
    )  # fmt: skip
    assert percent["type"] == "percentage"
    assert float(percent["face_value_percentage"]) == 10


def test_voucher_with_codes(tw: Run) -> None:
    created = as_json(
        tw("vouchers", "create", "--name", "Launch", "--value", "10", "--code", "LAUNCH1",
           "--code", "LAUNCH2", "--format", "json")
    )  # fmt: skip
    assert created["value"] == 1000
    assert created["type"] == "PROMO"
    codes = jsonl(tw("vouchers", "codes", created["id"]).stdout)
    assert sorted(c["code"] for c in codes) == ["LAUNCH1", "LAUNCH2"]


def test_issue_from_a_sold_out_or_unknown_type_is_an_api_error(tw: Run) -> None:
    result = tw("issued-tickets", "issue", "--event", "ev_0", "--ticket-type", "tt_0",
                "--name", "Nobody")  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ")
    assert len(result.stderr.strip().splitlines()) == 1
