"""``-``: one compact JSON envelope per line on stdout, flushed at once."""

from __future__ import annotations

import io
import json
import os

import pytest

from tests.sinks.conftest import MakeEnvelope
from tickettailor.sinks import StdoutSink
from tickettailor.watch.sink import SinkError


def test_one_json_line_per_envelope(
    make_env: MakeEnvelope, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = make_env(), make_env("check_in.created")
    sink = StdoutSink()
    sink.send(first)
    sink.send(second)
    sink.close()
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line) for line in lines] == [first, second]
    assert ": " not in lines[0]  # compact
    assert "Zoë" in lines[0]  # readable text, not \u escapes


def test_each_line_is_flushed_before_send_returns(make_env: MakeEnvelope) -> None:
    read_fd, write_fd = os.pipe()
    os.set_blocking(read_fd, False)
    # A large buffer: the line reaches the pipe only because the sink flushes.
    with open(write_fd, "w", buffering=1 << 20, encoding="utf-8", closefd=True) as stream:
        envelope = make_env()
        StdoutSink(stream).send(envelope)
        received = os.read(read_fd, 1 << 16)
    os.close(read_fd)
    assert json.loads(received) == envelope
    assert received.endswith(b"\n")


def test_a_terminal_without_unicode_still_gets_valid_json(make_env: MakeEnvelope) -> None:
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii")
    envelope = make_env()
    StdoutSink(stream).send(envelope)
    line = raw.getvalue().decode("ascii")
    assert json.loads(line) == envelope
    assert "\\u00eb" in line


def test_a_closed_stdout_is_a_retryable_error(make_env: MakeEnvelope) -> None:
    stream = io.StringIO()
    stream.close()
    with pytest.raises(SinkError, match="cannot write to standard output") as caught:
        StdoutSink(stream).send(make_env())
    assert caught.value.permanent is False
