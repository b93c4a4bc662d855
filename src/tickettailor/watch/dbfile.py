"""SQLite files of our own (watch states, the webhook inbox): made whole, kept private.

- ``create_whole`` builds a new file under a temporary name in the target's directory,
  commits and syncs it, then links it under the target's name and syncs the directory:
  a ``kill -9`` (or a power cut) at any point leaves either no file or a complete one,
  never a half-made file that a later start would refuse. A temporary file left by a
  killed creation is removed by a later open (``remove_leftovers``).
- ``is_blank``: an SQLite database with no tables and no version, which is what an older
  tickettailor left when killed while creating; the callers finish it in place.
- Every file is owner-only (0600) from its first byte: the records hold buyers'
  personal data. SQLite gives ``-wal`` and ``-shm`` the mode of the database file;
  ``make_private`` also fixes the files of older versions.
- ``open_error`` / ``damage``: what went wrong, said as the real cause (a read-only
  directory, a damaged page, not a database), never a raw ``DatabaseError``.
- ``FileIdentity``: the device and inode the store opened, so a running watch notices
  that its file was deleted or replaced under it.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tickettailor._core.errors import StateError
from tickettailor.watch.crash import crash_point

__all__ = [
    "FileIdentity",
    "check_integrity",
    "create_whole",
    "damage",
    "is_blank",
    "make_parent",
    "make_private",
    "open_error",
    "remove_leftovers",
]

_TEMP_TAG = ".creating-"  # .<name>.creating-<random>: a file being built
_STALE_TEMP = 60.0  # seconds after which a temporary file is abandoned (a creation takes ms)
_SIDE_FILES = ("-journal", "-wal", "-shm")


def make_parent(path: Path, what: str) -> None:
    """Create the directory of ``path`` (owner-only) or say why it cannot be."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise StateError(
            f"cannot create the {what} {path}: {exc.strerror}; pass another --state"
        ) from None


def create_whole(path: Path, build: Callable[[sqlite3.Connection], None], *, what: str) -> None:
    """Create the database at ``path`` with ``build`` (the schema), crash-safely.

    ``build`` runs inside one transaction on a private temporary file. If another
    process creates ``path`` first, its file is kept and ours is dropped. An existing
    empty (0-byte) file at ``path`` is replaced.
    """
    temp = path.with_name(f".{path.name}{_TEMP_TAG}{uuid.uuid4().hex[:12]}")
    try:
        _build(temp, build)
        _put_in_place(temp, path)
    except OSError as exc:
        raise StateError(
            f"cannot create the {what} {path}: {exc.strerror or exc}; fix the cause "
            "or pass another --state"
        ) from None
    finally:
        _remove_with_side_files(temp)
    crash_point("create_done")
    remove_leftovers(path)


def _build(temp: Path, build: Callable[[sqlite3.Connection], None]) -> None:
    # Created owner-only before SQLite opens it, so no byte is ever readable by others.
    os.close(os.open(temp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    crash_point("create_temp_file")
    conn = sqlite3.connect(temp, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("BEGIN IMMEDIATE")
        build(conn)
        crash_point("create_uncommitted")
        conn.execute("COMMIT")
        # WAL is kept in the file's header: every later open uses it.
        conn.execute("PRAGMA journal_mode=WAL")
    except sqlite3.Error as exc:
        raise OSError(str(exc)) from exc
    finally:
        conn.close()
    crash_point("create_committed")
    _fsync(temp)


def _put_in_place(temp: Path, path: Path) -> None:
    try:
        os.link(temp, path)  # fails if the target exists: never replaces another's file
    except FileExistsError:
        if path.stat().st_size == 0:
            os.replace(temp, path)  # an empty file holds nothing to keep
    except OSError:
        os.replace(temp, path)  # a file system without hard links
    crash_point("create_in_place")
    _fsync(path.parent)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_with_side_files(path: Path) -> None:
    for name in (path.name, *(path.name + side for side in _SIDE_FILES)):
        with contextlib.suppress(OSError):
            (path.parent / name).unlink()


def remove_leftovers(path: Path) -> None:
    """Remove the temporary files of creations of ``path`` killed a while ago."""
    cutoff = time.time() - _STALE_TEMP
    with contextlib.suppress(OSError):
        for temp in path.parent.glob(f".{path.name}{_TEMP_TAG}*"):
            if temp.name.endswith(_SIDE_FILES):
                continue
            with contextlib.suppress(OSError):
                if temp.stat().st_mtime < cutoff:
                    _remove_with_side_files(temp)


def is_blank(conn: sqlite3.Connection) -> bool:
    """An SQLite database without a single table or a version: nothing in it to keep."""
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    (objects,) = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    return int(version) == 0 and int(objects) == 0


def make_private(path: Path) -> None:
    """Owner-only modes on the database and its ``-wal``/``-shm`` (older versions made
    them 0644)."""
    for name in (path.name, path.name + "-wal", path.name + "-shm"):
        with contextlib.suppress(OSError):
            (path.parent / name).chmod(0o600)


def open_error(exc: sqlite3.Error, path: Path, what: str) -> StateError:
    """The real reason SQLite could not read ``path``, as one sentence."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code == sqlite3.SQLITE_NOTADB:
        return StateError(
            f"{path} is not a tickettailor {what} (not an SQLite database); "
            "pass another --state, or move the file away"
        )
    if code == sqlite3.SQLITE_CORRUPT:
        return damage(path, what, str(exc))
    if code == getattr(sqlite3, "SQLITE_READONLY_DIRECTORY", 1544) or (
        code is not None and code & 0xFF == sqlite3.SQLITE_READONLY
    ):
        return StateError(
            f"cannot write the {what} {path}: SQLite needs to create {path.name}-wal and "
            f"{path.name}-shm beside it, and its folder {path.parent} is read-only or not "
            "yours (the file itself is fine: keep it); make the folder writable, or move "
            "the file to a writable folder and pass --state"
        )
    return StateError(
        f"cannot open the {what} {path}: {exc}; fix the cause or pass another --state"
    )


def damage(path: Path, what: str, detail: str) -> StateError:
    """A damaged file: refused, never used half-read."""
    return StateError(
        f"the {what} {path} is damaged ({detail[:200]}); tickettailor will not use it: "
        "restore it from a backup, or move it away and start again (a new state starts "
        "from --start; records not yet delivered from the old one are lost)"
    )


def check_integrity(conn: sqlite3.Connection, path: Path, what: str) -> None:
    """``PRAGMA quick_check``: a damaged page is refused at open, not met mid-run."""
    try:
        rows = [row[0] for row in conn.execute("PRAGMA quick_check(5)")]
    except sqlite3.DatabaseError as exc:
        raise open_error(exc, path, what) from None
    if rows != ["ok"]:
        raise damage(path, what, "; ".join(str(r) for r in rows))


@dataclass(frozen=True)
class FileIdentity:
    """Which file a path named when it was opened."""

    device: int
    inode: int

    @classmethod
    def of(cls, path: Path) -> FileIdentity:
        st = path.stat()
        return cls(st.st_dev, st.st_ino)

    def check(self, path: Path, what: str) -> None:
        """StateError if ``path`` is gone or now names another file."""
        try:
            now = FileIdentity.of(path)
        except FileNotFoundError:
            change = "was deleted"
        else:
            if now == self:
                return
            change = "was replaced by another file"
        raise StateError(
            f"the {what} {path} {change} while this process was using it; it stops here "
            "without writing, so that two watchers never deliver the same records: start "
            "it again to use the new state (it starts from --start)"
        )
