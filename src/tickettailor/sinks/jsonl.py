"""``jsonl:PATH``: append one JSON envelope per line, synced to disk before returning.

Inside ``deferred()`` (the relay holds it around a batch) ``send`` returns once the line
is written, and ``flush()`` syncs every line written so far with one fsync: the relay
calls it before it marks the batch delivered, so nothing is marked that is not on disk,
at one fsync per batch instead of one per envelope. The batch's first line takes the
file's ``flock`` and repairs its tail; ``flush()`` (or the block's end) lets it go, so the
lines in between cost one ``write`` each.

A crash can leave the last line half written. Each append first repairs that (a one-byte
read when the file is sound): everything after the last newline is cut off, since that
envelope was never acknowledged and the watch sends it again. Appends hold an exclusive
``flock``, so two processes writing the same file never interleave or tear each other.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from pathlib import Path

from tickettailor.sinks._common import Batching, check_file_target, envelope_json
from tickettailor.watch.envelope import Envelope
from tickettailor.watch.sink import SinkError

__all__ = ["JsonlSink"]

_CHUNK = 64 * 1024
# Records hold customers' names and emails: a new file is readable by its owner only.
_NEW_FILE_MODE = 0o600


class JsonlSink(Batching):
    """Append envelopes to ``path`` as JSON lines; each ``send`` is fsynced (inside
    ``deferred()``: each ``flush``)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = check_file_target("jsonl", path)
        self.name = f"jsonl:{self.path}"
        self._fd: int | None = None
        self._lock = threading.Lock()
        self._deferring = False
        self._unsynced = False  # lines written under deferred() and not yet fsynced
        self._end: int | None = None  # under deferred(): the file's end while we hold its flock

    def __repr__(self) -> str:
        return f"JsonlSink({str(self.path)!r})"

    def send(self, envelope: Envelope) -> None:
        data = (envelope_json(envelope) + "\n").encode()
        with self._lock:
            try:
                fd = self._open()
                if not self._deferring:
                    _locked_append(fd, data)
                    return
                if self._end is None:  # the batch's first line
                    fcntl.flock(fd, fcntl.LOCK_EX)
                    self._end = repair_torn_tail(fd)
                _write_all(fd, data, self._end)
                self._end += len(data)
                self._unsynced = True
            except OSError as exc:
                self._drop()  # closing the file lets its flock go
                raise SinkError(f"cannot append to {self.path}: {exc.strerror or exc}") from exc

    def flush(self) -> None:
        """Make every line sent so far durable (one fsync); SinkError if it fails."""
        with self._lock:
            try:
                if not self._unsynced:
                    return
                # Whatever happens, these lines are no longer ours to sync: after a failed
                # fsync the kernel may have dropped them, and the relay sends them again.
                self._unsynced = False
                os.fsync(self._open())
            except OSError as exc:
                self._drop()
                raise SinkError(f"cannot sync {self.path}: {exc.strerror or exc}") from exc
            finally:
                self._unlock()

    def _abandon(self) -> None:
        self._unlock()  # not synced: those lines are not marked delivered anyway

    def _unlock(self) -> None:
        """Let the batch's flock go (the caller holds ``_lock``)."""
        if self._end is not None and self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._end = None

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _open(self) -> int:
        if self._fd is not None:
            return self._fd
        existed = self.path.exists()
        flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC
        fd = os.open(self.path, flags, _NEW_FILE_MODE)
        try:
            if not existed:
                _fsync_dir(self.path.parent)  # the new name must survive a crash too
        except OSError:
            os.close(fd)
            raise
        self._fd = fd
        return fd

    def _drop(self) -> None:
        self._end = None
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)


def _locked_append(fd: int, data: bytes) -> None:
    """Append ``data`` and fsync, under the file's flock."""
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        start = repair_torn_tail(fd)
        _write_all(fd, data, start)
        try:
            os.fsync(fd)
        except OSError:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, start)
            raise
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _write_all(fd: int, data: bytes, start: int) -> None:
    """Append ``data`` at ``start`` (the file's end); on failure cut the file back to
    ``start`` so no torn line stays."""
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
    except OSError:
        # Report the write's own error; a failed cut is healed by the next repair.
        with contextlib.suppress(OSError):
            os.ftruncate(fd, start)
        raise


def repair_torn_tail(fd: int) -> int:
    """Cut everything after the last newline (a line torn by a crash); return the size."""
    size = os.fstat(fd).st_size
    if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
        return size
    end = size
    while end > 0:
        start = max(0, end - _CHUNK)
        newline = os.pread(fd, end - start, start).rfind(b"\n")
        if newline != -1:
            keep = start + newline + 1
            break
        end = start
    else:
        keep = 0
    os.ftruncate(fd, keep)
    os.fsync(fd)
    return keep


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
