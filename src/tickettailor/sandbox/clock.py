"""The sandbox's own time: the configured clock plus an offset the control API moves."""

from __future__ import annotations

import threading
from collections.abc import Callable


class SandboxClock:
    """``clock()`` is ``base() + offset``. Everything in one sandbox (timestamps, rate
    limit windows, webhook schedule, simulated sales) reads this, so moving it moves
    the whole box office through time."""

    def __init__(self, base: Callable[[], float]) -> None:
        self.base = base
        self._offset = 0.0
        self._lock = threading.Lock()
        self._listeners: list[Callable[[], None]] = []

    def __call__(self) -> float:
        return self.base() + self._offset

    @property
    def offset(self) -> float:
        return self._offset

    def advance(self, seconds: float) -> float:
        """Move forwards (or back, with a negative number); returns the new time."""
        with self._lock:
            self._offset += seconds
        self._notify()
        return self()

    def set(self, unix: float) -> float:
        """Jump to ``unix`` seconds; time keeps flowing from there."""
        with self._lock:
            self._offset = unix - self.base()
        self._notify()
        return self()

    def on_change(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener()
