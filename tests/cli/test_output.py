"""What is printed when a listing stops early: Ctrl-C or an API error half-way."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC
from typing import Any

import pytest
import typer

from tickettailor._core.errors import ServerError
from tickettailor.cli._output import OutputFormat, emit_records, flatten

RECORDS = [{"object": "order", "id": f"or_{n}", "created_at": 1763716140 + n} for n in range(3)]


def stream(error: BaseException) -> Iterator[dict[str, Any]]:
    yield from RECORDS
    raise error


@pytest.mark.parametrize("fmt", list(OutputFormat))
def test_ctrl_c_keeps_what_was_printed_and_exits_130(
    fmt: OutputFormat, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(typer.Exit) as stopped:
        emit_records(stream(KeyboardInterrupt()), fmt, kind="order", zone=UTC, noun="orders")
    assert stopped.value.exit_code == 130
    out, err = capsys.readouterr()
    assert "Interrupted after 3 orders." in err
    assert_complete(out, fmt)


@pytest.mark.parametrize("fmt", list(OutputFormat))
def test_api_error_half_way_prints_the_records_then_raises(
    fmt: OutputFormat, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ServerError):
        emit_records(stream(ServerError("down", status_code=503)), fmt, kind="order", zone=UTC)
    assert_complete(capsys.readouterr().out, fmt)


def assert_complete(out: str, fmt: OutputFormat) -> None:
    """All three records are there, whole, in a parseable document."""
    if fmt is OutputFormat.json:
        assert json.loads(out) == RECORDS  # the array was closed
    elif fmt is OutputFormat.jsonl:
        assert [json.loads(line) for line in out.splitlines()] == RECORDS
    elif fmt is OutputFormat.csv:
        rows = list(csv.DictReader(io.StringIO(out)))
        assert [row["id"] for row in rows] == ["or_0", "or_1", "or_2"]
    else:
        for record in RECORDS:
            assert record["id"] in out


def test_csv_header_covers_fields_missing_from_the_first_record(
    capsys: pytest.CaptureFixture[str],
) -> None:
    records = [{"id": "di_1", "expires": None}, {"id": "di_2", "expires": {"unix": 5, "iso": "x"}}]
    emit_records(records, OutputFormat.csv, kind="discount", zone=UTC)
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows[1]["expires.unix"] == "5"
    assert rows[0]["expires"] == ""


def test_csv_columns_appearing_late_are_reported(capsys: pytest.CaptureFixture[str]) -> None:
    records = [{"id": f"x_{n}"} for n in range(100)] + [{"id": "x_100", "late": 1}]
    emit_records(records, OutputFormat.csv, kind=None, zone=UTC)
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 102
    assert "late" in err
    assert "--format jsonl" in err


def test_flatten_keeps_lists_whole_and_nests_objects() -> None:
    flat = flatten({"a": {"b": 1, "c": {"d": "x"}}, "l": [1, 2], "t": "true", "n": None})
    assert flat == {"a.b": "1", "a.c.d": "x", "l": "[1,2]", "t": "true", "n": ""}


def test_empty_table_says_so_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    assert emit_records([], OutputFormat.table, kind="order", zone=UTC, noun="orders") == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert "No orders found." in err


def test_an_error_before_any_record_does_not_say_none_were_found(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def failing() -> Iterator[dict[str, Any]]:
        raise ServerError("down", status_code=503)
        yield {}  # a generator that fails at once

    with pytest.raises(ServerError):
        emit_records(failing(), OutputFormat.table, kind="order", zone=UTC, noun="orders")
    assert "No orders found" not in capsys.readouterr().err
