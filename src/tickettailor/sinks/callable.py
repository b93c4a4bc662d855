"""Python callables as sinks, for a watch embedded in your own service.

``CallableSink(fn)`` calls ``fn(envelope)``; returning means accepted, raising means
"retry later" (raise ``SinkError(..., permanent=True)`` to park it as a dead letter).
``AsyncCallableSink(fn)`` does the same for ``async def fn(envelope)``: the coroutine
runs on ``loop`` when given (your service's loop, running in another thread) or else on a
private loop in a background thread that lives until ``close()``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from tickettailor._core.errors import UsageError
from tickettailor.watch.envelope import Envelope
from tickettailor.watch.sink import SinkError

__all__ = ["AsyncCallableSink", "CallableSink"]


def _default_name(fn: Callable[..., Any]) -> str:
    module = getattr(fn, "__module__", None) or "?"
    qualname = getattr(fn, "__qualname__", None) or type(fn).__qualname__
    return f"python:{module}.{qualname}"


def _failure(name: str, exc: Exception) -> SinkError:
    if isinstance(exc, SinkError):
        return exc
    error = SinkError(f"{name} raised {type(exc).__name__}: {exc}")
    error.__cause__ = exc
    return error


class CallableSink:
    """Deliver each envelope by calling ``fn(envelope)`` (a plain, synchronous function)."""

    def __init__(self, fn: Callable[[Envelope], object], *, name: str | None = None) -> None:
        if inspect.iscoroutinefunction(fn):
            raise UsageError(f"{_default_name(fn)} is async: wrap it in AsyncCallableSink")
        self._fn = fn
        self.name = name or _default_name(fn)

    def __repr__(self) -> str:
        return f"CallableSink({self.name!r})"

    def send(self, envelope: Envelope) -> None:
        try:
            result = self._fn(envelope)
        except Exception as exc:
            raise _failure(self.name, exc) from exc
        if inspect.isawaitable(result):
            if inspect.iscoroutine(result):
                result.close()  # never awaited: close it rather than leak a warning
            raise SinkError(
                f"{self.name} returned an awaitable, so nothing was delivered: "
                "wrap async functions in AsyncCallableSink"
            )

    def close(self) -> None:
        """Nothing to release; the function is yours."""


class AsyncCallableSink:
    """Deliver each envelope by awaiting ``fn(envelope)``, from synchronous callers."""

    def __init__(
        self,
        fn: Callable[[Envelope], Awaitable[object]],
        *,
        name: str | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
        timeout: float | None = None,
    ) -> None:
        self._fn = fn
        self.name = name or _default_name(fn)
        self.timeout = timeout
        self._loop = loop
        self._own: tuple[asyncio.AbstractEventLoop, threading.Thread] | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"AsyncCallableSink({self.name!r})"

    async def asend(self, envelope: Envelope) -> None:
        """Deliver from async code, on the caller's own loop."""
        try:
            await self._fn(envelope)
        except Exception as exc:
            raise _failure(self.name, exc) from exc

    def send(self, envelope: Envelope) -> None:
        loop = self._target_loop()
        future = asyncio.run_coroutine_threadsafe(self.asend(envelope), loop)
        try:
            future.result(self.timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise SinkError(f"{self.name} did not finish within {self.timeout:g}s") from None

    def close(self) -> None:
        with self._lock:
            own, self._own = self._own, None
        if own is not None:
            loop, thread = own
            loop.call_soon_threadsafe(loop.stop)
            thread.join()
            loop.close()

    def _target_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is not None:
            if _running_loop() is self._loop:
                # Blocking this thread would stop the very loop the coroutine needs.
                raise UsageError(
                    f"{self.name}: send() was called on the sink's own event loop; "
                    "call `await sink.asend(envelope)` there instead"
                )
            if not self._loop.is_running():
                raise SinkError(f"{self.name}: the event loop it was given is not running")
            return self._loop
        with self._lock:
            if self._own is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(
                    target=loop.run_forever, name=f"tickettailor {self.name}", daemon=True
                )
                thread.start()
                self._own = (loop, thread)
            return self._own[0]


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
