"""Running the receiver: on its own (``serve_webhooks``) or beside polling watches
(``run_with_polling``: webhooks for speed, polling as the reconciliation).

Both serve HTTP from a process of their own (``process.py``: uvicorn, verification,
the inbox's writer) and run the feeder in the calling thread, which owns the watch
state files. The loop wakes as soon as a delivery is committed, forwards
it into the watch's outbox and relays; with polling it also runs each watch's cycle
every ``every`` seconds. Stop it with ``stop.set()`` (or Ctrl-C in the calling thread).

Library use::

    from tickettailor.sinks import JsonlSink
    from tickettailor.webhooks import ReceiverSettings, serve_webhooks

    serve_webhooks(
        ReceiverSettings(secret="..."),
        sinks=[JsonlSink("orders.jsonl")],
        state_dir="state/",
        port=8000,
    )
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
from starlette.types import ASGIApp

from tickettailor._core.errors import UsageError
from tickettailor.watch.engine import CycleReport, Watch, as_sink, note_receiver_start
from tickettailor.watch.relay import Backoff
from tickettailor.watch.sink import Sink
from tickettailor.watch.state import StateStore
from tickettailor.watch.triggers import get_trigger
from tickettailor.webhooks.events import DELIVERED_EVENTS
from tickettailor.webhooks.feeder import Feeder, Target
from tickettailor.webhooks.inbox import Inbox
from tickettailor.webhooks.process import ReceiverProcess, bind, serve_on
from tickettailor.webhooks.receiver import ReceiverSettings

__all__ = [
    "INBOX_NAME",
    "RESOURCES",
    "Listening",
    "listening",
    "run_with_polling",
    "run_with_polling_async",
    "serve_webhooks",
    "serve_webhooks_async",
]

log = logging.getLogger("tickettailor.webhooks")

INBOX_NAME = "webhooks.sqlite3"
RESOURCES = ("orders", "issued-tickets", "events")  # the watches webhooks can feed
# Seconds the feeder waits after a delivery is committed before it forwards and relays,
# so that a burst moves as one batch: each round costs several transactions (the inbox's
# among them, which the receiver's writer then waits for) and a sink sync, whether it
# carries one delivery or a hundred. Deliveries are stored before this; only their way
# to the sinks waits.
GATHER = 0.02
# How much nicer `tickettailor webhooks serve` (and `watch --webhooks`) make the thread
# that forwards and relays: on a busy machine the receiver's process, which answers
# Ticket Tailor, gets the CPU first; forwarding, already stored, catches up after.
FEEDER_NICE = 10


@dataclass
class Listening:
    """A receiver accepting deliveries: its URL, inbox, and the commit signal."""

    url: str
    port: int
    inbox: Inbox
    arrived: threading.Event  # set whenever a new delivery is committed
    process: ReceiverProcess | None = None  # the receiver's own process (its pid)


@contextlib.contextmanager
def listening(
    settings: ReceiverSettings,
    inbox_path: str | Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
) -> Iterator[Listening]:
    """Open the inbox and serve the receiver until the block ends.

    The receiver (HTTP, verification, the inbox's writer) runs in a process of its own
    (``process.py``); this process reads the inbox and makes its marks through it.
    """
    inbox = Inbox.open(inbox_path)
    inbox.prune()
    arrived = threading.Event()
    sock = bind(host, port)
    child = ReceiverProcess(settings, inbox, sock, arrived)
    try:
        child.start()
        bound = sock.getsockname()[1]
        shown = "localhost" if host in ("0.0.0.0", "::") else host  # noqa: S104  (a comparison, not a bind)
        yield Listening(f"http://{shown}:{bound}{settings.path}", bound, inbox, arrived, child)
    finally:
        child.close()
        sock.close()
        inbox.close()


@contextlib.contextmanager
def _server(
    app: ASGIApp, host: str, port: int, settings: ReceiverSettings | None = None
) -> Iterator[int]:
    """uvicorn in a thread on an already bound socket (so a busy port fails here), its
    connections guarded against stalled headers (``connections.py``)."""
    sock = bind(host, port)
    try:
        with serve_on(app, sock, settings or ReceiverSettings(allow_unsigned=True)):
            yield sock.getsockname()[1]
    finally:
        sock.close()


def _loop(
    feeder: Feeder,
    arrived: threading.Event,
    stop: threading.Event,
    *,
    poll: Callable[[], None] | None = None,
    every: float = 60.0,
    tick: float = 1.0,
) -> None:
    """Forward and relay whenever something arrives (and every ``tick`` for retries);
    run ``poll`` every ``every`` seconds."""
    next_poll = time.monotonic()
    last_errors: dict[str, str] = {}
    while not stop.is_set():
        arrived.clear()  # cleared before reading: a commit after this wakes the wait
        feeder.forward()
        report = feeder.relay()
        for sink, error in report.errors.items():
            if last_errors.get(sink) != error:
                log.warning("sink %s failed, will retry: %s", sink, error)
        last_errors = dict(report.errors)
        wait = tick
        if poll is not None:
            if time.monotonic() >= next_poll:
                poll()
                next_poll = time.monotonic() + every
            wait = min(tick, max(0.0, next_poll - time.monotonic()))
        feeder.renew()
        _nap(arrived, stop, wait)


def _nap(arrived: threading.Event, stop: threading.Event, seconds: float) -> None:
    """Wait up to ``seconds`` for a delivery, noticing ``stop`` within 0.2 s; once one
    arrives, let more gather for ``GATHER`` seconds."""
    deadline = time.monotonic() + seconds
    while not stop.is_set() and not arrived.is_set():
        left = deadline - time.monotonic()
        if left <= 0:
            return
        arrived.wait(min(left, 0.2))
    stop.wait(GATHER)


def lower_priority(by: int) -> None:
    """Make the calling thread ``by`` nicer (Linux, where priority is per thread;
    elsewhere nothing). It stays so: an unprivileged thread cannot undo it."""
    if by <= 0 or sys.platform != "linux":
        return
    thread = threading.get_native_id()
    try:
        now = os.getpriority(os.PRIO_PROCESS, thread)
        os.setpriority(os.PRIO_PROCESS, thread, min(19, now + by))
    except OSError as exc:  # a sandbox refusing it: run at the priority we have
        log.debug("could not lower the feeder's priority: %s", exc)


def _check_sinks(sinks: Sequence[Sink]) -> None:
    if not sinks:
        raise UsageError("the webhook receiver needs at least one sink")
    names = [s.name for s in sinks]
    if len(set(names)) != len(names):
        raise UsageError(f"two sinks have the same name: {names}; name them apart")


def serve_webhooks(
    settings: ReceiverSettings,
    *,
    sinks: Sequence[Sink | Callable[..., Any]],
    state_dir: str | Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    client: Any = None,
    key_fingerprint: str | None = None,
    stop: threading.Event | None = None,
    on_ready: Callable[[Listening], None] | None = None,
    backoff: Backoff | None = None,
    wait: float = 0.0,
    nice: int = 0,
) -> None:
    """Receive webhooks into the outboxes of the watches in ``state_dir`` until stopped.

    ``state_dir`` holds ``<resource>.sqlite3`` per watch (the files ``tickettailor watch``
    uses) and the inbox; each watch state is leased for the whole run, so a polling
    watch of the same state must run in this process (``run_with_polling``). ``client``
    is used only to refetch ``resource_url`` (``settings.api_root`` set). ``nice``:
    make the calling thread, which forwards and relays, that much nicer once the
    receiver's process runs (``lower_priority``; the CLI passes ``FEEDER_NICE``).
    """
    stop = stop or threading.Event()
    targets_sinks = [as_sink(s) for s in sinks]
    _check_sinks(targets_sinks)
    resources = tuple(dict.fromkeys(get_trigger(r).resource for r in settings.resources))
    for resource in resources:
        if resource not in RESOURCES:
            raise UsageError(
                f"Ticket Tailor sends no webhook for {resource}; poll it with "
                f"`tickettailor watch {resource}` (webhooks feed {', '.join(RESOURCES)})"
            )
    settings = dataclasses.replace(settings, resources=resources)
    folder = Path(state_dir)
    stores: list[StateStore] = []
    try:
        targets: dict[str, Target] = {}
        for resource in settings.resources:
            store = StateStore.open(
                folder / f"{resource}.sqlite3", resource=resource, key_fingerprint=key_fingerprint
            )
            stores.append(store)
            store.acquire(wait=wait)
            note_receiver_start(store, time.time())  # a later poll starts no later than this
            targets[resource] = Target(store, targets_sinks)
        with listening(settings, folder / INBOX_NAME, host=host, port=port) as rx:
            feeder = Feeder(
                rx.inbox,
                targets,
                client=client if settings.api_root else None,
                backoff=backoff or Backoff(),
            )
            lower_priority(nice)
            if on_ready is not None:
                on_ready(rx)
            _loop(feeder, rx.arrived, stop)
            feeder.forward()  # what arrived while stopping still reaches the outbox
    finally:
        for store in stores:
            store.close()
        for sink in targets_sinks:
            sink.close()


def run_with_polling(
    watches: Sequence[Watch],
    settings: ReceiverSettings,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    every: float = 60.0,
    inbox: str | Path | None = None,
    client: Any = None,
    stop: threading.Event | None = None,
    on_ready: Callable[[Listening], None] | None = None,
    on_cycle: Callable[[Watch, CycleReport], None] | None = None,
    nice: int = 0,
) -> None:
    """Run ``watches`` every ``every`` seconds and receive webhooks into their outboxes.

    Webhooks for orders, issued tickets and events go straight into the matching
    watch's outbox and out to its sinks; the polling cycles catch whatever webhooks
    missed (receiver down, webhook not set up, events Ticket Tailor has no webhook
    for), with the same idempotency keys, so nothing is delivered twice. The inbox
    defaults to ``webhooks.sqlite3`` beside the first watch's state. ``nice``: as
    for ``serve_webhooks``.
    """
    if not watches:
        raise UsageError("run_with_polling needs at least one watch")
    stop = stop or threading.Event()
    for watch in watches:
        watch.open()
    targets: dict[str, Target] = {}
    for watch in watches:
        resource = watch.trigger.resource
        if resource in RESOURCES and resource not in targets and watch.store is not None:
            targets[resource] = Target(watch.store, watch.sinks)
    if not targets:
        fed = ", ".join(sorted({r for r, _ in DELIVERED_EVENTS.values()}))
        log.warning("none of these watches gets webhooks (only %s do): polling only", fed)
    settings = dataclasses.replace(settings, resources=tuple(targets))
    inbox_path = Path(inbox) if inbox else watches[0].state_path.parent / INBOX_NAME

    def poll() -> None:
        for watch in watches:
            report = watch.run_cycle()
            if on_cycle is not None:
                on_cycle(watch, report)

    with listening(settings, inbox_path, host=host, port=port) as rx:
        feeder = Feeder(
            rx.inbox,
            targets,
            client=client if settings.api_root else None,
            backoff=watches[0].backoff,
            lease_ttl=min(w.lease_ttl for w in watches),
        )
        lower_priority(nice)
        if on_ready is not None:
            on_ready(rx)
        _loop(feeder, rx.arrived, stop, poll=poll, every=every)
        feeder.forward()


# -- async drivers: the same runners, off the event loop ---------------------------------


async def serve_webhooks_async(settings: ReceiverSettings, **kwargs: Any) -> None:
    """``serve_webhooks`` from async code; cancelling the task stops the receiver."""
    await _off_loop(serve_webhooks, settings, **kwargs)


async def run_with_polling_async(
    watches: Sequence[Watch], settings: ReceiverSettings, **kwargs: Any
) -> None:
    """``run_with_polling`` from async code; cancelling the task stops both."""
    await _off_loop(run_with_polling, watches, settings, **kwargs)


async def _off_loop(run: Callable[..., None], *args: Any, **kwargs: Any) -> None:
    if "stop" in kwargs:
        raise UsageError("the async drivers stop on cancellation; do not pass stop=")
    stop = threading.Event()
    done = threading.Event()

    def target() -> None:
        try:
            run(*args, stop=stop, **kwargs)
        finally:
            done.set()

    try:
        await anyio.to_thread.run_sync(target, abandon_on_cancel=True)
    finally:
        stop.set()
        # Wait (without blocking the loop) for the files and the port to be released.
        with anyio.CancelScope(shield=True):
            while not done.is_set():
                await anyio.sleep(0.05)
