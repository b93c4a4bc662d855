"""Named crash points in a watch cycle (and in creating its files), so tests can kill
the process exactly there.

A test (or an operator reproducing a bug) sets ``TICKETTAILOR_CRASH_AT=<point>`` or
``<point>:<n>`` (the n-th time the point is reached, default the first) and the process
SIGKILLs itself there: no ``finally``, no flush, no commit, like ``kill -9``. In-process
tests install a hook with ``set_crash_hook`` instead (it may raise to simulate a crash).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable

__all__ = ["CRASH_POINTS", "CREATION_POINTS", "crash_point", "set_crash_hook"]

CRASH_POINTS = (  # the points of a watch cycle
    "after_fetch",  # a page is in memory, nothing stored yet
    "after_outbox_insert",  # records and outbox rows inserted, transaction still open
    "before_position_commit",  # position updated in the same transaction, not committed
    "after_position_commit",  # page committed, nothing delivered
    "before_sink_send",  # about to hand an envelope to a sink
    "after_sink_ack",  # the sink accepted it, the outbox row is not yet marked
    "after_mark_delivered",  # the outbox row is marked delivered and committed
)
# Creating a state or webhook inbox file (tickettailor.watch.dbfile):
CREATION_POINTS = (
    "create_temp_file",  # an empty temporary file beside the target
    "create_uncommitted",  # the schema written to it, transaction still open
    "create_committed",  # the temporary file complete, not yet synced or in place
    "create_in_place",  # linked under the target's name, directory not yet synced
    "create_done",  # directory synced, temporary name removed
)

_hook: Callable[[str], None] | None = None
_hits: dict[str, int] = {}


def set_crash_hook(hook: Callable[[str], None] | None) -> None:
    """Call ``hook(point)`` at every crash point (None removes it)."""
    global _hook
    _hook = hook


def _target() -> tuple[str, int] | None:
    spec = os.environ.get("TICKETTAILOR_CRASH_AT", "")
    if not spec:
        return None
    name, _, count = spec.partition(":")
    if name not in CRASH_POINTS + CREATION_POINTS:
        raise ValueError(
            f"TICKETTAILOR_CRASH_AT={spec!r}: unknown point; "
            f"use one of {CRASH_POINTS + CREATION_POINTS}"
        )
    return name, int(count or 1)


def crash_point(name: str) -> None:
    """Mark a named point of the cycle; crash here if asked to."""
    if _hook is not None:
        _hook(name)
    target = _target()
    if target is None or target[0] != name:
        return
    _hits[name] = _hits.get(name, 0) + 1
    if _hits[name] >= target[1]:
        os.kill(os.getpid(), signal.SIGKILL)
