"""What the SQL sinks' current-state tables (``mode=current``) share: one row per record,
and the version that decides whether an envelope may replace the row.

An envelope replaces a record's row only if its version is not older than the row's.
The version compares, in this order:

1. ``at``: the record's own ``updated_at`` (issued tickets, holds) when it has one,
   else the envelope's ``timestamp`` (when the change happened or was seen);
2. ``seq``: the envelope's optional ``seq`` (a whole number that rises with each change
   the watch sees), else 0: it orders two changes of the same second;
3. ``rank``: a ``.updated`` envelope beats a ``.created`` one of the same instant.

So a replayed or late envelope never moves a row backwards. On a tie the row is
rewritten only when the record differs (a replay of the same change writes nothing).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple, cast

from tickettailor._core.errors import UsageError
from tickettailor.sinks._common import DEFAULT_TABLE, parse_timestamp, record_id
from tickettailor.watch.envelope import Envelope
from tickettailor.watch.sink import SinkError

CURRENT_TABLE = "tickettailor_current"
MODES = ("log", "current")


class Version(NamedTuple):
    at: int
    seq: int
    rank: int


def check_mode(kind: str, mode: str) -> str:
    if mode not in MODES:
        raise UsageError(
            f"{kind} sink: mode={mode!r} is not understood; use mode=log (every envelope, "
            f"the default) or mode=current (one row per record), e.g. {kind},mode=current:..."
        )
    return mode


def default_table(mode: str) -> str:
    return CURRENT_TABLE if mode == "current" else DEFAULT_TABLE


def version(envelope: Envelope) -> Version:
    data = envelope["data"]
    updated = data.get("updated_at")
    if isinstance(updated, int) and not isinstance(updated, bool):
        at = updated
    else:
        at = int(parse_timestamp(envelope).timestamp())
    seq = cast(Mapping[str, Any], envelope).get("seq")  # optional: not every watch sends it
    if not isinstance(seq, int) or isinstance(seq, bool):
        seq = 0
    rank = 1 if envelope["type"].endswith(".updated") else 0
    return Version(at, seq, rank)


def current_key(envelope: Envelope) -> tuple[str, str]:
    """(record id, object kind) of the record the envelope carries."""
    rid = record_id(envelope)
    if rid is None:
        raise SinkError(
            f"envelope {envelope['id']!r} has no data.id: a current-state table keeps one "
            "row per record id",
            permanent=True,
        )
    return rid, envelope["type"].split(".", 1)[0]
