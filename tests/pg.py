"""A real PostgreSQL for tests: the CI server, or a throwaway cluster of our own.

``running_postgres()`` yields a DSN. When ``TICKETTAILOR_TEST_PG_DSN`` is set (CI sets it,
see ``.ci/run``) that server is used as is. Otherwise a cluster is created in a temporary
directory with the machine's ``initdb`` / ``pg_ctl`` (on PATH or under
``/usr/lib/postgresql/*/bin``), listening on 127.0.0.1 on a free port with its unix socket
inside the temporary directory, and it is stopped and removed when the last user leaves.

The cluster is shared within one test process: several session fixtures (the sinks', the
watch's) entering ``running_postgres()`` get the same server, started once. PostgreSQL
refuses to run as root, so as root the binaries run via ``runuser -u postgres --`` on a
directory chowned to that user.

Tests sharing one server must not collide: use ``unique_name()`` for tables.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ENV_DSN = "TICKETTAILOR_TEST_PG_DSN"
_START_ATTEMPTS = 3  # a free port can be taken between our probe and the server's bind


def find_pg_bin() -> Path | None:
    """The directory holding ``pg_ctl`` and ``initdb``, newest version first, or None."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).resolve().parent
    candidates = glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")
    candidates.sort(key=lambda p: _version_key(Path(p).parent.parent.name))
    return Path(candidates[-1]).parent if candidates else None


def _version_key(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".") if part.isdigit())


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class _Cluster:
    """One throwaway cluster: ``start()`` returns its DSN, ``stop()`` removes everything."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.as_root = os.geteuid() == 0
        self.tmp = Path(tempfile.mkdtemp(prefix="tt-test-pg-"))
        self.data = self.tmp / "data"
        self.started = False
        if self.as_root:
            user = pwd.getpwnam("postgres")
            os.chown(self.tmp, user.pw_uid, user.pw_gid)

    def _run(self, *args: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_root else []
        result = subprocess.run(
            [*prefix, *args], capture_output=True, text=True, timeout=120, check=False
        )
        if result.returncode != 0:
            log = self.tmp / "log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(
                f"{Path(args[0]).name} failed ({result.returncode}):\n"
                f"{result.stdout}{result.stderr}{tail}"
            )

    def start(self) -> str:
        self._run(
            str(self.bindir / "initdb"),
            *("-D", str(self.data), "-A", "trust", "-U", "postgres"),
            *("-E", "UTF8", "--no-locale", "--no-sync"),
        )
        for attempt in range(_START_ATTEMPTS):
            port = _free_port()
            # Durability is not under test here: fsync off keeps the suite fast.
            options = (
                f"-p {port} -k {self.tmp} -c listen_addresses=127.0.0.1 "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            )
            try:
                self._run(
                    str(self.bindir / "pg_ctl"),
                    *("-D", str(self.data), "-o", options, "-w", "-t", "60"),
                    *("-l", str(self.tmp / "log"), "start"),
                )
            except RuntimeError:
                if attempt == _START_ATTEMPTS - 1:
                    raise
                continue
            self.started = True
            return f"postgresql://postgres@127.0.0.1:{port}/postgres"
        raise AssertionError("unreachable")  # pragma: no cover

    def stop(self) -> None:
        try:
            if self.started:
                self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop")
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)


class _Shared:
    """The one cluster of this test process and how many fixtures are using it."""

    lock = threading.Lock()
    users = 0
    cluster: _Cluster | None = None
    dsn = ""


@contextlib.contextmanager
def running_postgres() -> Iterator[str]:
    """Yield a DSN of a live PostgreSQL; skip the test when there is none to be had."""
    env_dsn = os.environ.get(ENV_DSN)
    if env_dsn:
        yield env_dsn
        return
    with _Shared.lock:
        if _Shared.cluster is None:
            bindir = find_pg_bin()
            if bindir is None:
                # On a developer's machine without PostgreSQL these tests are skipped with
                # the fix; in CI (which installs it) a missing server is a failure.
                if os.environ.get("CI"):
                    pytest.fail(f"CI has no PostgreSQL: .ci/run must install it or set {ENV_DSN}")
                pytest.skip(
                    "PostgreSQL server binaries not found: install postgresql "
                    f"(initdb, pg_ctl) or set {ENV_DSN}"
                )
            cluster = _Cluster(bindir)
            try:
                _Shared.dsn = cluster.start()
            except BaseException:
                cluster.stop()
                raise
            _Shared.cluster = cluster
        _Shared.users += 1
        dsn = _Shared.dsn
    try:
        yield dsn
    finally:
        with _Shared.lock:
            _Shared.users -= 1
            if _Shared.users == 0 and _Shared.cluster is not None:
                cluster, _Shared.cluster = _Shared.cluster, None
                cluster.stop()


def unique_name(prefix: str = "tt_test") -> str:
    """A table name no other test (or concurrent CI job on the same server) uses."""
    return f"{prefix}_{uuid.uuid4().hex[:12]}"
