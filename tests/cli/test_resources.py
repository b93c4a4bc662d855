"""The other resources: reads in every command, and the writes people do by hand."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import Run, jsonl
from tickettailor import Client


@pytest.mark.parametrize(
    ("command", "attr"),
    [
        ("issued-tickets", "issued_tickets"),
        ("holds", "holds"),
        ("discounts", "discounts"),
        ("vouchers", "vouchers"),
        ("event-series", "event_series"),
        ("products", "products"),
        ("membership-types", "membership_types"),
        ("issued-memberships", "issued_memberships"),
    ],
)
def test_list_and_get_match_the_api(tt: Run, client: Client, command: str, attr: str) -> None:
    expected = [r.raw for r in getattr(client, attr).list(limit=5)]
    result = tt(command, "list", "--limit", "5")
    assert result.exit_code == 0, result.stderr
    assert jsonl(result.stdout) == expected
    if not expected:  # holds: the seeded data may have none; the table says so
        table = tt(command, "list", "--format", "table")
        assert table.exit_code == 0
        assert "found." in table.stderr
        return
    one = tt(command, "get", expected[0]["id"], "--format", "json")
    assert one.exit_code == 0, one.stderr
    assert json.loads(one.stdout) == expected[0]
    table = tt(command, "list", "--limit", "5", "--format", "table")
    assert expected[0]["id"] in table.stdout


def test_check_ins_list_filters_by_ticket(tt: Run, client: Client) -> None:
    first = next(iter(client.check_ins.list(limit=1)), None)
    assert first is not None, "the sandbox data has check-ins"
    ticket = first.raw["issued_ticket_id"]
    got = jsonl(tt("check-ins", "list", "--ticket", ticket).stdout)
    assert got
    assert {c["issued_ticket_id"] for c in got} == {ticket}


def test_issued_tickets_filters(tt: Run, client: Client) -> None:
    ticket = next(iter(client.issued_tickets.list(limit=1))).raw
    by_barcode = jsonl(tt("issued-tickets", "list", "--barcode", ticket["barcode"]).stdout)
    assert [t["id"] for t in by_barcode] == [ticket["id"]]
    voided = jsonl(tt("issued-tickets", "list", "--status", "voided", "--limit", "5").stdout)
    assert {t["status"] for t in voided} <= {"voided"}


def test_voucher_codes_and_waitlist(tt: Run, client: Client) -> None:
    voucher = next(iter(client.vouchers.list(limit=1))).raw["id"]
    expected = [c.raw for c in client.vouchers.list_codes(voucher)]
    assert expected
    assert jsonl(tt("vouchers", "codes", voucher).stdout) == expected
    signups = {
        series.raw["id"]: [w.raw for w in client.waitlist_signups.list(series.raw["id"])]
        for series in client.event_series.list()
    }
    series_id, expected_signups = max(signups.items(), key=lambda item: len(item[1]))
    assert expected_signups, "the sandbox data has waitlist signups"
    result = tt("waitlist-signups", "list", series_id)
    assert result.exit_code == 0, result.stderr
    assert jsonl(result.stdout) == expected_signups


def test_overview(tt: Run, client: Client) -> None:
    result = tt("overview", "--format", "json")
    assert json.loads(result.stdout) == client.overview().raw
    table = tt("overview", "--format", "table")
    assert client.overview().raw["box_office_name"] in table.stdout


def test_write_commands_refuse_incomplete_input(tt: Run) -> None:
    issue = tt("issued-tickets", "issue", "--name", "Ada", "--event", "ev_1")
    assert issue.exit_code == 2
    assert "--ticket-type" in issue.stderr
    both = tt(
        "discounts", "create", "--name", "x", "--code", "X", "--percent", "10", "--amount", "5"
    )
    assert both.exit_code == 2
    assert "exactly one" in both.stderr
    amount = tt("discounts", "create", "--name", "x", "--code", "X", "--amount", "5.555")
    assert amount.exit_code == 2
    assert "at most 2 decimals" in amount.stderr
    kind = tt("vouchers", "create", "--name", "x", "--value", "10", "--type", "coupon")
    assert kind.exit_code == 2
    expires = tt("discounts", "create", "--name", "x", "--code", "X", "--percent", "5",
                 "--expires", "soon")  # fmt: skip
    assert expires.exit_code == 2
    assert "--expires" in expires.stderr


def test_check_in_by_unknown_barcode_is_a_clear_error(tt: Run) -> None:
    result = tt("check-ins", "add", "NOSUCHCODE")
    assert result.exit_code == 2
    assert "No valid ticket with barcode 'NOSUCHCODE'" in result.stderr
