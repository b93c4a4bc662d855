"""Fixtures for the watch tests: a fake list API, recording sinks, a fake clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.watch.fakeapi import FakeAPI
from tickettailor.watch import Watch
from tickettailor.watch.envelope import Envelope
from tickettailor.watch.sink import SinkError

T0 = 1_764_000_000  # 2025-11-24, a fixed "now" for the fake clock


@dataclass
class Clock:
    now: float = float(T0)

    def __call__(self) -> float:
        return self.now


@dataclass
class ListSink:
    """Keeps what it accepted; ``down`` makes it fail (retryable or permanent)."""

    name: str = "list"
    got: list[Envelope] = field(default_factory=list)
    down: bool = False
    permanent_for: set[str] = field(default_factory=set)  # keys rejected for good

    def send(self, envelope: Envelope) -> None:
        if envelope["id"] in self.permanent_for:
            raise SinkError("410 gone", permanent=True)
        if self.down:
            raise ConnectionError("sink unreachable")
        self.got.append(envelope)

    def close(self) -> None:
        pass

    @property
    def keys(self) -> list[str]:
        return [e["id"] for e in self.got]


@pytest.fixture
def api() -> FakeAPI:
    return FakeAPI()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sink() -> ListSink:
    return ListSink()


MakeWatch = Callable[..., Watch]


@pytest.fixture
def make_watch(tmp_path: Path, api: FakeAPI, clock: Clock, sink: ListSink) -> Iterator[MakeWatch]:
    """``make_watch(resource="orders", **options)``: a Watch on the fake API, closed after."""
    made: list[Watch] = []

    def make(resource: str = "orders", **options: Any) -> Watch:
        options.setdefault("sinks", [sink])
        options.setdefault("state", tmp_path / f"{resource}.sqlite3")
        options.setdefault("key_fingerprint", "fp-test")
        options.setdefault("source", api)
        watch = Watch(resource, clock=clock, **options)
        made.append(watch)
        return watch

    yield make
    for watch in made:
        watch.close()
