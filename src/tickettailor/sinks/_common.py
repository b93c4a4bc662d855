"""Small pieces every sink shares: the JSON line, error helpers, argument checks."""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from tickettailor._core.errors import UsageError
from tickettailor.watch import jsonfast
from tickettailor.watch.envelope import Envelope
from tickettailor.watch.sink import SinkError

DEFAULT_TABLE = "tickettailor_events"
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")


def envelope_json(envelope: Envelope, *, ascii_only: bool = False) -> str:
    """The envelope as one compact JSON line (no newline), exactly what every sink sends."""
    return compact_json(envelope, envelope, ascii_only=ascii_only)


def compact_json(value: object, envelope: Envelope, *, ascii_only: bool = False) -> str:
    """``value`` (part of ``envelope``) as compact JSON; a permanent error if it is not JSON."""
    try:
        if ascii_only:
            return json.dumps(value, separators=(",", ":"), ensure_ascii=True)
        return jsonfast.dumps(value)  # the same text as json.dumps, faster
    except (TypeError, ValueError) as exc:
        # Only a hand-built envelope can get here; retrying would fail the same way.
        message = f"envelope {envelope.get('id')!r} is not JSON: {exc}"
        raise SinkError(message, permanent=True) from exc


def record_id(envelope: Envelope) -> str | None:
    """The id of the record inside the envelope, for the typed column of the SQL sinks."""
    value = envelope["data"].get("id")
    return None if value is None else str(value)


def parse_timestamp(envelope: Envelope) -> datetime:
    """The envelope's ISO 8601 timestamp as an aware datetime (naive means UTC)."""
    text = envelope["timestamp"]
    try:
        when = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise SinkError(
            f"envelope {envelope['id']!r} has a timestamp that is not ISO 8601: {text!r}",
            permanent=True,
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def check_table(kind: str, table: str, *, schema_allowed: bool = False) -> tuple[str, ...]:
    """Split and check a table name (letters, digits, underscore; ``schema.table`` in SQL)."""
    parts = tuple(table.split(".")) if schema_allowed else (table,)
    if len(parts) > 2 or not all(_IDENTIFIER.fullmatch(part) for part in parts):
        shape = "NAME or SCHEMA.NAME" if schema_allowed else "NAME"
        raise UsageError(
            f"{kind} sink: table {table!r} is not a plain name; use {shape} made of "
            "letters, digits and underscores (at most 63), not starting with a digit"
        )
    return parts


def check_file_target(kind: str, path: str | os.PathLike[str]) -> Path:
    """An absolute path whose directory exists and which is not itself a directory."""
    text = str(path)
    if not text.strip():
        raise UsageError(f"{kind} sink needs a file path, e.g. {kind}:events.{kind}")
    target = Path(text).expanduser().absolute()
    if target.is_dir():
        raise UsageError(f"{kind} sink: {target} is a directory; give a file path inside it")
    if not target.parent.is_dir():
        raise UsageError(f"{kind} sink: directory {target.parent} does not exist; create it first")
    return target


class Batching:
    """The relay's batch protocol (``tickettailor.watch.relay``) for a sink that can make
    many sends durable at once: inside ``deferred()`` a send is written but made durable
    only by ``flush()`` (which the relay calls before it marks the batch delivered), or
    at the block's end. A subclass has ``_lock`` and ``_deferring``, and says in
    ``_abandon`` how to drop a batch cut short (its sends are not marked delivered)."""

    _lock: threading.Lock
    _deferring: bool

    @contextlib.contextmanager
    def deferred(self) -> Iterator[None]:
        with self._lock:
            self._deferring = True
        try:
            yield
        except BaseException:
            with self._lock:
                self._abandon()
            raise
        finally:
            with self._lock:
                self._deferring = False
        self.flush()

    def flush(self) -> None:
        raise NotImplementedError

    def _abandon(self) -> None:
        """Drop the batch's sends not made durable (called with ``_lock`` held)."""
        raise NotImplementedError
