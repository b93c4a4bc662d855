"""The receiver in a process of its own: HTTP, verification and the inbox writer.

``serve_webhooks`` and ``run_with_polling`` keep the feeder and the relay (the watch
states, the sinks, polling) in the calling process and run the HTTP side here, in a
child process, so neither holds the other's GIL: the feeder's parsing, outbox
transactions and sink writes no longer delay the answers. The child comes from a fork
server (started once per process, this module preloaded), so a start costs a fork,
not an interpreter.

The two talk over one pipe:

- child to parent: ``("ready",)``; ``("committed",)`` after a commit of new rows
  (the feeder wakes up; one at a time: a shared flag says one is on its way, and
  the commits made meanwhile are seen by the round that one starts);
  ``("done", n, error)`` when the parent's change ``n`` is committed; ``("log",
  record)`` for each log record (the parent's handlers show it);
- parent to child: ``("write", n, change, later)``: the feeder's marks (an
  ``inbox.Change``) for the writer's next transaction, so the file keeps one writer
  and the marks share the deliveries' fsync; ``("stop",)``.

What stays true: a delivery is answered 2xx only once the child has committed it
(``synchronous=FULL``). If the child dies, the parent makes its own outstanding
changes itself and starts another child on the same listening socket (connections
wait in its backlog meanwhile); what the dead child stored is in the inbox, and what
it had not answered Ticket Tailor sends again (the delivery id de-duplicates). If the
parent dies, the child sees the pipe close and exits; the next start forwards every
pending row.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import uvicorn
from starlette.types import ASGIApp

from tickettailor._core.errors import UsageError
from tickettailor.webhooks import inbox as inbox_module
from tickettailor.webhooks import receiver
from tickettailor.webhooks.connections import guarded_protocol
from tickettailor.webhooks.inbox import Inbox, Write
from tickettailor.webhooks.receiver import InboxWriter, ReceiverSettings, create_app

__all__ = ["ReceiverProcess", "bind", "serve_on"]

log = logging.getLogger("tickettailor.webhooks")

_LOGGER = "tickettailor"  # the child's log records under this name go to the parent
_RESTART_PAUSE = 1.0  # seconds between restarts of a child that died young
_YOUNG = 5.0  # a child that dies sooner than this after its start died young


def bind(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` (``UsageError`` when it cannot be)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY on accepted connections only
    # for sockets that say they are TCP; without it every keep-alive answer waits ~40 ms
    # (Nagle against delayed ACK).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise UsageError(
            f"cannot listen on {host}:{port} ({exc.strerror}); pick another --port or --host"
        ) from None
    return sock


@contextlib.contextmanager
def serve_on(app: ASGIApp, sock: socket.socket, settings: ReceiverSettings) -> Iterator[None]:
    """uvicorn serving ``app`` on ``sock`` in a thread until the block ends."""
    config = uvicorn.Config(
        app,
        log_level="warning",
        lifespan="off",
        access_log=False,
        server_header=False,
        timeout_keep_alive=5,
        http=guarded_protocol(settings.header_timeout, settings.max_waiting),
        loop="auto",  # uvloop where it is installed (not Windows): less work per request
        # uvicorn counts every open connection here, those waiting for their headers
        # too (at most max_waiting): 500 more for requests served and idle keep-alives.
        limit_concurrency=settings.max_waiting + 500,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="webhook-receiver", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the webhook receiver did not start")
            time.sleep(0.01)  # readiness poll with a deadline
        yield
    finally:
        server.should_exit = True
        thread.join(15)


# -- the parent's side ------------------------------------------------------------------


class ReceiverProcess:
    """The child process serving ``settings`` on ``sock`` into ``inbox``'s file.

    While it runs it is the inbox's writer for this process too (``inbox.write_via``);
    ``arrived`` is set after each commit of new deliveries. Restarted when it dies,
    until ``close()``.
    """

    def __init__(
        self,
        settings: ReceiverSettings,
        inbox: Inbox,
        sock: socket.socket,
        arrived: threading.Event,
    ) -> None:
        self.settings = settings
        self.inbox = inbox
        self.sock = sock
        self.arrived = arrived
        self.pid: int | None = None
        self._lock = threading.Lock()  # guards _conn, _waiting and sends on _conn
        self._conn: Connection | None = None
        self._waiting: dict[int, tuple[Write, Future[None]]] = {}
        self._ids = itertools.count()
        self._ready = threading.Event()
        self._stopping = False
        self._process: Any = None
        self._told: Any = None  # a shared byte, see _teller
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the child; return once it accepts connections."""
        self._spawn()
        self._thread = threading.Thread(target=self._run, name="webhook-receiver", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 60
        while not self._ready.wait(0.05):
            if self._process.exitcode is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError("the webhook receiver did not start")
        self.inbox.write_via = self.write

    def close(self) -> None:
        """Stop the child (it finishes the requests under way) and wait for it."""
        self.inbox.write_via = None
        with self._lock:
            self._stopping = True
            if self._conn is not None:
                with contextlib.suppress(OSError):
                    self._conn.send(("stop",))
        if self._process is not None:
            self._process.join(20)
            if self._process.exitcode is None:
                self._process.kill()
                self._process.join(5)
        if self._thread is not None:
            self._thread.join(10)

    def write(self, change: Write, later: bool = False) -> Future[None]:
        """``InboxWriter.write`` from this process: the child commits ``change``; with no
        child running, this process does, on its own."""
        future: Future[None] = Future()
        with self._lock:
            if self._conn is not None:
                n = next(self._ids)
                self._waiting[n] = (change, future)
                try:
                    self._conn.send(("write", n, change, later))
                    return future
                except OSError:  # the child just died: _run hands the rest over
                    del self._waiting[n]
        _commit_here(self.inbox, change, future)
        return future

    def _spawn(self) -> None:
        context = _context()
        forking = context.get_start_method() == "fork"
        if forking:
            # SQLite's connections must not cross a fork (its locks are per process):
            # this process opens them again when it needs them.
            self.inbox.close()
        ours, theirs = context.Pipe()
        options = _Options(
            emulated_fsync=inbox_module.EMULATED_FSYNC,
            crash_at=os.environ.get(receiver.CRASH_ENV),
            parent=os.getpid(),
            log_level=log.getEffectiveLevel(),
            # a forked child holds our end too: it closes it, or it would never see
            # the pipe end when we die
            close_fd=ours.fileno() if forking else None,
        )
        self._told = context.RawValue("b", 0)  # 1: a "committed" is on its way
        args = (self.settings, str(self.inbox.path), self.sock, theirs, self._told, options)
        process = context.Process(
            target=_child, args=args, name="tickettailor-webhook-receiver", daemon=True
        )
        process.start()
        theirs.close()  # so that the child's death reads as the end of the pipe
        self._process, self.pid = process, process.pid
        with self._lock:
            self._conn = ours

    def _run(self) -> None:
        """Read the child's messages; when it dies, take over and start another."""
        while True:
            conn = self._conn
            if conn is None:  # set by _spawn before this runs
                return
            started = time.monotonic()
            self._read(conn)
            self._take_over()
            self._process.join(5)
            if self._stopping:
                return
            log.error(
                "the webhook receiver process stopped (exit code %s); starting it again",
                self._process.exitcode,
            )
            if time.monotonic() - started < _YOUNG:
                time.sleep(_RESTART_PAUSE)  # not a tight loop when it cannot start
            if self._stopped():
                return
            try:
                self._spawn()
            except Exception:
                log.exception("could not start the webhook receiver process")
                return

    def _stopped(self) -> bool:
        with self._lock:
            return self._stopping

    def _read(self, conn: Connection) -> None:
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                return
            kind = message[0]
            if kind == "committed":
                self._told.value = 0  # before waking the feeder: see the module's docstring
                self.arrived.set()
            elif kind == "done":
                self._done(message[1], message[2])
            elif kind == "log":
                record = logging.makeLogRecord(message[1])
                logging.getLogger(record.name).handle(record)
            elif kind == "ready":
                self._ready.set()

    def _done(self, n: int, error: str | None) -> None:
        with self._lock:
            _, future = self._waiting.pop(n)
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(RuntimeError(error))

    def _take_over(self) -> None:
        """The child is gone: make its outstanding changes here (they may have been
        committed already; the marks are idempotent)."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
            self._conn = None
            waiting, self._waiting = self._waiting, {}
        for change, future in waiting.values():
            _commit_here(self.inbox, change, future)


def _commit_here(inbox: Inbox, change: Write, future: Future[None]) -> None:
    try:
        inbox.commit(change)
    except Exception as exc:  # the disk is full, the file vanished...: the caller's
        future.set_exception(exc)
    else:
        future.set_result(None)


def _context() -> Any:
    """How to start the child. On Linux, a plain fork when this process runs one thread
    (the command: nothing can be holding a lock the child would need, and the child
    starts with everything imported), else a fork server (a clean process with this
    module imported, started once). Elsewhere, spawn. Both of those import the
    caller's ``__main__`` again in the child, as ``multiprocessing`` does: a script
    must keep its entry point under ``if __name__ == "__main__":``."""
    if sys.platform != "linux":
        return multiprocessing.get_context("spawn")
    if threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


# -- the child's side -------------------------------------------------------------------


@dataclass(frozen=True)
class _Options:
    emulated_fsync: float  # inbox.EMULATED_FSYNC in the parent (the bench's slow disk)
    crash_at: str | None  # the parent's TICKETTAILOR_WEBHOOK_CRASH_AT (tests)
    parent: int  # killed too at a crash point: the whole receiver dies
    log_level: int
    close_fd: int | None  # the parent's end of the pipe, inherited by a fork


class _Channel:
    """The child's end of the pipe; sends from any thread."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._lock = threading.Lock()

    def send(self, message: tuple[Any, ...]) -> None:
        with self._lock, contextlib.suppress(OSError):  # the parent is gone: we stop soon
            self.conn.send(message)


class _ToParent(logging.Handler):
    """Log records, formatted here, handled by the parent's loggers."""

    def __init__(self, channel: _Channel) -> None:
        super().__init__()
        self.channel = channel

    def emit(self, record: logging.LogRecord) -> None:
        fields = dict(record.__dict__)
        fields.update(msg=record.getMessage(), args=None, exc_info=None)
        if record.exc_info:
            fields["exc_text"] = logging.Formatter().formatException(record.exc_info)
        self.channel.send(("log", fields))


def _child(
    settings: ReceiverSettings,
    inbox_path: str,
    sock: socket.socket,
    conn: Connection,
    told: Any,
    options: _Options,
) -> None:
    """The child process: serve until the parent says stop or goes away."""
    if options.close_fd is not None:
        os.close(options.close_fd)
    # Ctrl-C, and a service manager's SIGTERM, reach the whole group: the parent
    # decides, and says stop (or dies, closing the pipe).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    inbox_module.EMULATED_FSYNC = options.emulated_fsync
    if options.crash_at is not None:
        os.environ[receiver.CRASH_ENV] = options.crash_at
        receiver.CRASH_ALSO = options.parent
    else:
        os.environ.pop(receiver.CRASH_ENV, None)
    channel = _Channel(conn)
    _log_to_parent(channel, options.log_level)
    inbox = Inbox(Path(inbox_path))  # opened and checked by the parent
    inbox.keep_parsed = False  # the feeder is in the parent: it parses the rows it reads
    writer = InboxWriter(inbox, on_commit=_teller(channel, told))
    try:
        with serve_on(create_app(settings, writer), sock, settings):
            channel.send(("ready",))
            _obey(conn, writer, channel)
    finally:
        writer.close()
        inbox.close()
    sys.exit(0)


def _teller(channel: _Channel, told: Any) -> Callable[[], None]:
    """After a commit of new rows: tell the parent, unless a word is on its way (the
    parent clears ``told`` before it wakes the feeder, so this commit is seen)."""

    def tell() -> None:
        if not told.value:
            told.value = 1
            channel.send(("committed",))

    return tell


def _log_to_parent(channel: _Channel, level: int) -> None:
    """Every record of ours goes to the parent, whose handlers show it (a forked child
    first drops the handlers it inherited)."""
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if name.startswith(_LOGGER + ".") and isinstance(logger, logging.Logger):
            logger.handlers.clear()
            logger.setLevel(logging.NOTSET)
            logger.propagate = True
    ours = logging.getLogger(_LOGGER)
    ours.handlers[:] = [_ToParent(channel)]
    ours.setLevel(level)
    ours.propagate = False


def _obey(conn: Connection, writer: InboxWriter, channel: _Channel) -> None:
    """Commit the parent's changes until it says stop or its end of the pipe closes."""
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message[0] != "write":
            return
        _, n, change, later = message
        writer.write(change, later).add_done_callback(_reply(channel, n))


def _reply(channel: _Channel, n: int) -> Callable[[Future[None]], None]:
    """Tell the parent change ``n`` is committed (or why not)."""

    def done(future: Future[None]) -> None:
        error = future.exception()
        channel.send(("done", n, None if error is None else f"{type(error).__name__}: {error}"))

    return done
