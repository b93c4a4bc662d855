"""The contract between the watch engine and its sinks.

A sink receives envelopes one at a time, oldest first. ``send`` returns only once the
envelope is durably accepted (written and synced, answered 2xx, committed...); the
engine marks a delivery done only after ``send`` returns. Raising ``SinkError`` with
``permanent=True`` parks the envelope as a dead letter (shown by ``watch status``);
any other exception is retried later with capped, jittered backoff. The same envelope
may arrive twice after a crash, with the same ``id``: sinks that can, apply it once.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from tickettailor._core.errors import WatchError
from tickettailor.watch.envelope import Envelope

__all__ = ["Sink", "SinkError"]


@runtime_checkable
class Sink(Protocol):
    """Where envelopes go. ``name`` is stable (the outbox key) and holds no secret."""

    name: str

    def send(self, envelope: Envelope) -> None:
        """Deliver one envelope; return only once it is durably accepted."""

    def close(self) -> None:
        """Release files, connections and processes."""


class SinkError(WatchError):
    """A sink could not accept an envelope.

    ``permanent`` is True when retrying cannot help (e.g. a 4xx from a webhook): the
    envelope becomes a dead letter. Otherwise the relay retries it later.
    """

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
