"""A listing reaches a pipe a page at a time, as the API sent it.

``--format jsonl`` writes each record's raw JSON (no typed model needed), and writes
and flushes once per page: a consumer gets each page as soon as it is fetched, without
a system call per record.
"""

from __future__ import annotations

import io
import json
import sys
from datetime import UTC
from typing import Any

import pytest

from tickettailor import Client
from tickettailor.cli._output import OutputFormat, emit_records
from tickettailor.sandbox import RunningSandbox


class Pipe:
    """Stands for stdout: keeps the text of each flush apart."""

    def __init__(self) -> None:
        self.unflushed: list[str] = []
        self.flushes: list[str] = []

    def write(self, text: str) -> int:
        self.unflushed.append(text)
        return len(text)

    def flush(self) -> None:
        self.flushes.append("".join(self.unflushed))
        self.unflushed.clear()

    def isatty(self) -> bool:
        return False


def test_jsonl_is_written_and_flushed_a_page_at_a_time(
    sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipe = Pipe()
    monkeypatch.setattr(sys, "stdout", pipe)
    with Client(sandbox.key, base_url=sandbox.base_url) as client:
        count = emit_records(
            client.orders.list(limit=250), OutputFormat.jsonl, kind="order", zone=UTC
        )
        expected = [order.raw for order in client.orders.list(limit=250)]
    chunks = [chunk for chunk in pipe.flushes if chunk]
    assert [chunk.count("\n") for chunk in chunks] == [100, 100, 50]  # one per page
    lines = "".join(chunks).splitlines()
    assert count == len(lines) == 250
    assert [json.loads(line) for line in lines] == expected  # as the API sent them


def test_a_record_holding_read_only_mappings_is_still_written(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from types import MappingProxyType

    pipe = Pipe()
    monkeypatch.setattr(sys, "stdout", pipe)
    nested: dict[str, Any] = {"id": "or_1", "buyer_details": MappingProxyType({"name": "A"})}
    emit_records([MappingProxyType(nested)], OutputFormat.jsonl, kind="order", zone=UTC)
    assert json.loads("".join(pipe.flushes)) == {"id": "or_1", "buyer_details": {"name": "A"}}


def test_every_value_json_can_read_is_written_back_as_the_same_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Lines are written by orjson; what it refuses (an integer beyond 64 bits, a lone
    surrogate) by json: either way each line reads back as the record."""
    pipe = Pipe()
    monkeypatch.setattr(sys, "stdout", pipe)
    records: list[dict[str, Any]] = [
        {"id": "or_1", "total": 2500, "rate": 1e-07, "share": 0.1, "name": "Zoë <&> \u2028"},
        {"id": "or_2", "barcode": 2**70},
        {"id": "or_3", "note": "\ud800"},
    ]
    emit_records(records, OutputFormat.jsonl, kind="order", zone=UTC)
    lines = "".join(pipe.flushes).split("\n")[:-1]  # not splitlines: U+2028 is in a value
    assert [json.loads(line) for line in lines] == records
    assert lines[1] == '{"id":"or_2","barcode":1180591620717411303424}'


class ShortWrites(io.RawIOBase):
    """An unbuffered stdout into a pipe (python -u): takes at most 1000 bytes a write."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.writes = 0

    def writable(self) -> bool:
        return True

    def write(self, chunk: Any) -> int:
        taken = bytes(chunk[:1000])
        self.data += taken
        self.writes += 1
        return len(taken)


RECORDS: list[dict[str, Any]] = [
    {"id": "or_1", "name": "Zoë", "total": 2500},
    {"id": "or_2", "barcode": 2**70},  # json writes this one: lines of both kinds mix
    {"id": "or_3", "note": "x" * 3000},
]


@pytest.mark.parametrize("encoding", ["utf-8", "latin-1"])
def test_jsonl_bytes_reach_a_buffered_stdout_in_its_encoding(
    monkeypatch: pytest.MonkeyPatch, encoding: str
) -> None:
    target = io.BytesIO()
    stdout = io.TextIOWrapper(target, encoding=encoding, newline="")
    monkeypatch.setattr(sys, "stdout", stdout)
    stdout.write("before\n")  # text the command wrote earlier comes first
    emit_records(RECORDS, OutputFormat.jsonl, kind="order", zone=UTC)
    lines = target.getvalue().decode(encoding).split("\n")
    assert lines[0] == "before"
    assert [json.loads(line) for line in lines[1:-1]] == RECORDS


def test_jsonl_reaches_an_unbuffered_stdout_whole_despite_short_writes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    raw = ShortWrites()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(raw, encoding="utf-8", write_through=True))
    emit_records(RECORDS, OutputFormat.jsonl, kind="order", zone=UTC)
    lines = raw.data.decode().split("\n")
    assert [json.loads(line) for line in lines[:-1]] == RECORDS
    assert raw.writes > 3  # the page took several writes, none of it lost
