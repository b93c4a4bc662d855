"""``--newest`` lists the newest records first (issue 10), and --help says why the
default is oldest first."""

from __future__ import annotations

import pytest

from tests.cli.conftest import Run, jsonl
from tickettailor import Client


@pytest.mark.parametrize(
    ("command", "resource"),
    [("orders", "orders"), ("issued-tickets", "issued_tickets"), ("holds", "holds")],
)
def test_newest_first_matches_the_end_of_the_oldest_first_list(
    tt: Run, client: Client, command: str, resource: str
) -> None:
    everything = [r.id for r in getattr(client, resource).list()]
    assert everything, "the sandbox has records to order"
    result = tt(command, "list", "--newest", "--limit", "3")
    assert result.exit_code == 0, result.output
    newest = [r["id"] for r in jsonl(result.stdout)]
    assert newest == everything[::-1][:3]


def test_help_says_the_default_order_and_why(tt: Run) -> None:
    text = " ".join(tt("orders", "list", "--help").stdout.split())
    assert "oldest first (that is how the API lists them)" in text
    assert "--newest" in text
