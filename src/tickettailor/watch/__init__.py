"""Watches: every new order, ticket, check-in and event delivered, none lost.

``Watch`` is the library API (sync, with async drivers); the ``tickettailor watch``
command is a thin shell over it. See ``tickettailor.watch.engine`` for an example.
"""

from __future__ import annotations

from tickettailor.watch.engine import (
    VOID_EVERY,
    CycleReport,
    Watch,
    as_sink,
    default_state_path,
    fingerprint,
    run_watches,
    start_positions,
)
from tickettailor.watch.envelope import Envelope, make_envelope
from tickettailor.watch.relay import Backoff
from tickettailor.watch.sink import Sink, SinkError
from tickettailor.watch.state import StateStatus, StateStore
from tickettailor.watch.triggers import TRIGGERS

__all__ = [
    "TRIGGERS",
    "VOID_EVERY",
    "Backoff",
    "CycleReport",
    "Envelope",
    "Sink",
    "SinkError",
    "StateStatus",
    "StateStore",
    "Watch",
    "as_sink",
    "default_state_path",
    "fingerprint",
    "make_envelope",
    "run_watches",
    "start_positions",
]
