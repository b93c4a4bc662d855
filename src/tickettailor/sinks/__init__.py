"""Where a watch delivers: stdout, JSON lines, signed webhooks, SQLite, PostgreSQL,
a command, or your own Python function. Every sink follows ``tickettailor.watch.sink.Sink``
and receives the same envelope. ``parse_sink_spec`` turns a ``--sink`` value into one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tickettailor.sinks.callable import AsyncCallableSink, CallableSink
from tickettailor.sinks.exec import ExecSink
from tickettailor.sinks.jsonl import JsonlSink
from tickettailor.sinks.spec import SINK_KINDS, SinkKind, parse_sink_spec
from tickettailor.sinks.sqlite import SqliteSink
from tickettailor.sinks.stdout import StdoutSink
from tickettailor.sinks.webhook import WebhookSink, generate_secret

if TYPE_CHECKING:
    from tickettailor.sinks.postgres import PostgresSink

__all__ = [
    "SINK_KINDS",
    "AsyncCallableSink",
    "CallableSink",
    "ExecSink",
    "JsonlSink",
    "PostgresSink",
    "SinkKind",
    "SqliteSink",
    "StdoutSink",
    "WebhookSink",
    "generate_secret",
    "parse_sink_spec",
]


def __getattr__(name: str) -> Any:
    # PostgresSink needs psycopg, an optional extra: import it only when it is used.
    if name == "PostgresSink":
        from tickettailor.sinks.postgres import PostgresSink

        return PostgresSink
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
