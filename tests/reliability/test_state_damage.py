"""A state that cannot be used as it is: said as the real cause (issue 11, should fix).

Before: a read-only folder holding a writable state said "not an SQLite database ...
move the file away" (following that advice discards the state; the real cause is that
``-wal``/``-shm`` cannot be created); a state with a damaged middle page let ``watch``
exit 0 silently and ``watch replay`` crash with a raw ``DatabaseError``; and a newer
state said "(schema 1, this one reads up to 1)".
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability._cli import cli, env, run
from tickettailor._core.errors import StateError
from tickettailor.sandbox import RunningSandbox
from tickettailor.watch.state import SCHEMA_VERSION, StateStore
from tickettailor.webhooks.inbox import Inbox, NewDelivery

pytestmark = pytest.mark.slow
NOBODY = 65534


def watch(sb: RunningSandbox, state: Path, *more: str) -> list[str]:
    return cli(sb, "watch", "orders", "--state", str(state), "--sink", "-", *more)


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder other users can reach (pytest's own are private to us)."""
    folder = Path(tempfile.mkdtemp(prefix="tt-readonly-"))
    folder.chmod(0o755)
    yield folder
    folder.chmod(0o755)
    shutil.rmtree(folder)


def test_a_read_only_folder_is_named_as_the_cause_not_the_file(
    sandbox: RunningSandbox, shared_dir: Path
) -> None:
    state = shared_dir / "orders.sqlite3"
    made = run(watch(sandbox, state, "--once"))
    assert made.returncode == 0, made.stderr
    before = state.read_bytes()
    cmd = watch(sandbox, state, "--once")
    if os.geteuid() == 0:  # root writes anywhere: run it as a user the folder refuses
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv (util-linux) to drop privileges")
        os.chown(state, NOBODY, NOBODY)
        cmd = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *cmd]
    else:
        shared_dir.chmod(0o555)
    result = subprocess.run(cmd, env=env(), capture_output=True, text=True, check=False)
    assert result.returncode == 1, result.stderr
    assert "orders.sqlite3-wal" in result.stderr
    assert "read-only" in result.stderr
    assert "not an SQLite database" not in result.stderr
    assert "move the file away" not in result.stderr
    assert state.read_bytes() == before


def damage_middle_page(path: Path) -> None:
    data = bytearray(path.read_bytes())
    size = int.from_bytes(data[16:18], "big")
    pages = int.from_bytes(data[28:32], "big")
    middle = (pages // 2 - 1) * size
    data[middle : middle + size] = b"\xa5" * size
    path.write_bytes(bytes(data))


def test_a_damaged_state_is_refused_clearly_by_watch_replay_and_status(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    state = tmp_path / "orders.sqlite3"
    made = run(watch(sandbox, state, "--once", "--start", "all"))
    assert made.returncode == 0, made.stderr
    damage_middle_page(state)
    before = state.read_bytes()
    where = ("--state", str(state), "--sink", "-")
    commands = {
        "watch": watch(sandbox, state, "--once"),
        "replay": cli(sandbox, "watch", "replay", "orders", "--since", "2000-01-01", *where),
        "status": cli(sandbox, "watch", "status", "orders", "--state", str(state)),
    }
    for name, cmd in commands.items():
        result = run(cmd)
        assert result.returncode == 1, (name, result.stdout, result.stderr)
        assert f"the watch state {state} is damaged" in result.stderr, name
        assert "restore it from a backup" in result.stderr, name
        assert "Traceback" not in result.stderr, name
        assert "DatabaseError" not in result.stderr, name
        assert result.stdout == "", name  # nothing delivered from a half-read state
    assert state.read_bytes() == before  # refused, never written to


def test_a_damaged_inbox_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "webhooks.sqlite3"
    inbox = Inbox.open(path)
    inbox.add([NewDelivery(f"d{i}", "ORDER.CREATED", "orders", b"x" * 900) for i in range(400)])
    inbox.close()
    damage_middle_page(path)
    with pytest.raises(StateError, match=r"webhook inbox .* is damaged"):
        Inbox.open(path)


def test_a_newer_state_says_its_schema_and_the_one_this_version_reads(tmp_path: Path) -> None:
    path = tmp_path / "orders.sqlite3"
    StateStore.open(path, resource="orders", key_fingerprint="fp").close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE meta SET v = '7' WHERE k = 'schema_version'")  # a future version
    conn.commit()
    conn.close()
    with pytest.raises(StateError) as caught:
        StateStore.open(path, resource="orders", key_fingerprint="fp")
    assert f"its schema is 7; this version reads schemas up to {SCHEMA_VERSION}" in str(
        caught.value
    )
