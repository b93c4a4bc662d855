"""``jsonl:PATH``: appended, fsynced lines; a line torn by a crash is repaired."""

from __future__ import annotations

import errno
import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.sinks.conftest import MakeEnvelope
from tickettailor.sinks import JsonlSink
from tickettailor.watch.envelope import Envelope
from tickettailor.watch.relay import Backoff, relay
from tickettailor.watch.sink import SinkError
from tickettailor.watch.state import Position, StateStore, StoredRecord


def read_lines(path: Path) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8")
    assert text == "" or text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def test_appends_one_line_per_envelope_across_runs(tmp_path: Path, make_env: MakeEnvelope) -> None:
    path = tmp_path / "orders.jsonl"
    envelopes = [make_env() for _ in range(3)]
    first_run = JsonlSink(path)
    first_run.send(envelopes[0])
    first_run.send(envelopes[1])
    first_run.close()
    second_run = JsonlSink(path)
    second_run.send(envelopes[2])
    second_run.close()
    assert read_lines(path) == envelopes


def test_new_file_is_private_to_its_owner(tmp_path: Path, make_env: MakeEnvelope) -> None:
    path = tmp_path / "orders.jsonl"
    JsonlSink(path).send(make_env())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    "torn",
    [
        b'{"id":"order.created:or_9","ty',  # cut mid-line
        b'{"id":"order.created:or_9","type":"order.created"}',  # whole, but no newline
        b"\0" * 4096,  # a file system that extended the size but not the data
        b'{"x": "' + b"y" * 200_000,  # a torn line longer than one read chunk
    ],
)
def test_a_torn_last_line_is_cut_before_the_next_append(
    tmp_path: Path, make_env: MakeEnvelope, torn: bytes
) -> None:
    path = tmp_path / "orders.jsonl"
    before = [make_env(), make_env()]
    path.write_bytes(b"".join(json.dumps(e).encode() + b"\n" for e in before) + torn)
    after = make_env()
    sink = JsonlSink(path)
    sink.send(after)
    sink.close()
    assert read_lines(path) == [*before, after]


def test_a_file_holding_only_a_torn_line_is_emptied_first(
    tmp_path: Path, make_env: MakeEnvelope
) -> None:
    path = tmp_path / "orders.jsonl"
    path.write_bytes(b'{"id": "half')
    envelope = make_env()
    JsonlSink(path).send(envelope)
    assert read_lines(path) == [envelope]


_WRITER = """
import sys
from tickettailor.sinks import JsonlSink
from tickettailor.watch.envelope import make_envelope
sink = JsonlSink(sys.argv[1])
for n in range(1_000_000):
    sink.send(make_envelope("order.created", {"id": f"or_{n}", "pad": "x" * 50_000}, n))
"""


def test_kill_9_mid_run_leaves_only_whole_lines(tmp_path: Path, make_env: MakeEnvelope) -> None:
    path = tmp_path / "orders.jsonl"
    writer = subprocess.Popen([sys.executable, "-c", _WRITER, str(path)])
    try:
        deadline = time.monotonic() + 30
        while not path.exists() or path.stat().st_size < 1_000_000:
            assert writer.poll() is None, "writer died on its own"
            assert time.monotonic() < deadline, "writer made no progress"
            time.sleep(0.01)
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    envelope = make_env()
    JsonlSink(path).send(envelope)
    lines = read_lines(path)
    ids = [line["id"] for line in lines[:-1]]
    assert ids == [f"order.created:or_{n}" for n in range(len(ids))]
    assert lines[-1] == envelope


def test_two_writers_on_one_file_never_interleave(tmp_path: Path, make_env: MakeEnvelope) -> None:
    path = tmp_path / "orders.jsonl"
    per_writer = 100

    def write(tag: str) -> None:
        sink = JsonlSink(path)  # its own file descriptor, like another process
        for n in range(per_writer):
            sink.send(make_env(id=f"or_{tag}{n}", pad="z" * 20_000))
        sink.close()

    threads = [threading.Thread(target=write, args=(tag,)) for tag in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = sorted(line["id"].split(":")[1] for line in read_lines(path))
    assert ids == sorted(f"or_{tag}{n}" for tag in "ab" for n in range(per_writer))


def test_a_failed_write_is_a_retryable_error(make_env: MakeEnvelope) -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("needs /dev/full (Linux) to simulate a full disk")
    sink = JsonlSink("/dev/full")
    with pytest.raises(SinkError, match="cannot append to /dev/full: No space left") as caught:
        sink.send(make_env())
    assert caught.value.permanent is False
    sink.close()


def _outbox(tmp_path: Path, envelopes: list[Envelope], sink: JsonlSink) -> StateStore:
    """A watch state with ``envelopes`` pending for ``sink``."""
    store = StateStore.open(tmp_path / "orders.sqlite3", resource="orders", key_fingerprint="fp")
    store.acquire()
    records = [StoredRecord(e, n, 1764450000 + n) for n, e in enumerate(envelopes, 1)]
    store.store_page(records, Position("created"), [sink.name])
    return store


def _count_fsyncs(monkeypatch: pytest.MonkeyPatch, fail: bool = False) -> list[int]:
    calls: list[int] = []
    real = os.fsync

    def fsync(fd: int) -> None:
        calls.append(fd)
        if fail:
            raise OSError(errno.EIO, "Input/output error")
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    return calls


def test_the_relay_syncs_once_per_marked_batch_not_per_line(
    tmp_path: Path, make_env: MakeEnvelope, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "orders.jsonl"
    path.touch()  # an existing file: no directory sync on open
    sink = JsonlSink(path)
    envelopes = [make_env() for _ in range(120)]
    store = _outbox(tmp_path, envelopes, sink)
    fsyncs = _count_fsyncs(monkeypatch)
    report = relay(store, [sink], limit=None, clock=time.time, backoff=Backoff())
    assert report.delivered == 120
    assert len(fsyncs) == 3  # marks of 50, 50 and 20 rows, each after one fsync
    # each with its number in the state (seq), as the relay sends it
    assert read_lines(path) == [{**e, "seq": n} for n, e in enumerate(envelopes, 1)]
    assert store.pending(sink.name, 500) == []
    monkeypatch.undo()
    sink.send(make_env())  # outside the relay each send is synced at once
    sink.close()
    store.close()


def test_a_failed_sync_leaves_the_batch_pending_and_says_why(
    tmp_path: Path, make_env: MakeEnvelope, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "orders.jsonl"
    path.touch()
    sink = JsonlSink(path)
    envelopes = [make_env() for _ in range(30)]
    store = _outbox(tmp_path, envelopes, sink)
    _count_fsyncs(monkeypatch, fail=True)
    failed = relay(store, [sink], limit=None, clock=time.time, backoff=Backoff())
    assert failed.delivered == 0
    assert "cannot sync" in failed.errors[sink.name]
    assert "Input/output error" in failed.errors[sink.name]
    assert len(store.pending(sink.name, 500)) == 30  # nothing marked that may be lost
    monkeypatch.undo()
    again = relay(store, [sink], limit=None, clock=time.time, backoff=Backoff())
    assert again.delivered == 30
    assert store.pending(sink.name, 500) == []
    # Sent twice (at least once, same keys), every one of them on disk.
    assert {line["id"] for line in read_lines(path)} == {e["id"] for e in envelopes}
    sink.close()
    store.close()
