"""Who holds a watch state's lease, and whether that process can be proved gone.

A pid alone names a process only inside one PID namespace on one machine since its
last boot: containers that share a volume and the host's network see the same host
name but each their own pids (a holder that is pid 1 in its container is the host's
init to everyone else). So a lease records the holder's host, boot id, PID namespace
and the start time of its process; a pid is checked only when all of them match ours,
and a pid reused by another process is told apart by its start time. Whenever that
cannot be proved (another host, another namespace, no ``/proc``), the lease's expiry
decides.
"""

from __future__ import annotations

import contextlib
import os
import platform
import socket
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Holder", "holder_alive", "this_process"]

_PROC = Path("/proc")
_LINUX = platform.system() == "Linux"  # where PID namespaces exist


@dataclass(frozen=True)
class Holder:
    """A lease holder's identity, as stored in the lease."""

    pid: int
    host: str
    boot_id: str | None = None
    pid_ns: str | None = None  # e.g. "pid:[4026531836]"
    started: str | None = None  # start time in clock ticks since boot (/proc/PID/stat)

    def describe(self) -> str:
        return f"pid {self.pid} on {self.host}"


def this_process() -> Holder:
    """The identity of the running process."""
    pid = os.getpid()
    ns = _read_link(_PROC / "self" / "ns" / "pid")
    # /proc mounted for another PID namespace (a container without its own /proc)
    # shows other pids: then nothing read there is about our pids.
    if _stat_fields(_PROC / "self" / "stat", pid) is None:
        ns = None
    return Holder(
        pid=pid,
        host=socket.gethostname(),
        boot_id=_read_text(_PROC / "sys" / "kernel" / "random" / "boot_id"),
        pid_ns=ns,
        started=_start_time(pid) if ns else None,
    )


def holder_alive(holder: Holder, me: Holder | None = None) -> bool | None:
    """True or False when it can be proved from here; None when only expiry can tell."""
    me = me or this_process()
    if holder.host != me.host:
        return None
    if me.pid_ns is None:
        # No /proc to trust. Without PID namespaces (not Linux) a pid is a pid.
        if _LINUX or holder.pid_ns is not None:
            return None
        return _signal_alive(holder.pid)
    if (holder.pid_ns, holder.boot_id) != (me.pid_ns, me.boot_id):
        return None
    started = _start_time(holder.pid)
    if started is None:
        return False
    return holder.started is None or started == holder.started


def _signal_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _start_time(pid: int) -> str | None:
    fields = _stat_fields(_PROC / str(pid) / "stat", pid)
    # Field 22 (starttime); the list starts at field 3, after "pid (comm)".
    return fields[19] if fields is not None and len(fields) > 19 else None


def _stat_fields(path: Path, pid: int) -> list[str] | None:
    """The fields after ``(comm)`` of a ``/proc/PID/stat`` that is about ``pid``."""
    text = _read_text(path)
    if text is None or ")" not in text:
        return None
    head, _, tail = text.rpartition(")")
    if head.split(" (", 1)[0].strip() != str(pid):
        return None
    return tail.split()


def _read_text(path: Path) -> str | None:
    with contextlib.suppress(OSError, UnicodeDecodeError):
        return path.read_text().strip()
    return None


def _read_link(path: Path) -> str | None:
    with contextlib.suppress(OSError):
        return os.readlink(path)
    return None
