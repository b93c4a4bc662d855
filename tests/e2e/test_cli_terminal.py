"""The real ``tickettailor`` executable in a pipe and on a terminal (pty), as a user runs it."""

from __future__ import annotations

import dataclasses
import json
import os
import pty
import re
import select
import signal
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.conftest import Faults
from tests.conftest import TEST_KEY
from tickettailor.sandbox import RunningSandbox, SandboxConfig, serve_in_thread

EXE = str(Path(sys.executable).with_name("tickettailor"))


def test_the_console_script_is_installed() -> None:
    # `make` installs the project editable, which puts `tickettailor` beside python;
    # every test below runs that real command.
    assert Path(EXE).exists(), f"{EXE} is missing: run `pip install -e .`"


@pytest.fixture
def env(tmp_path: Path, sandbox: RunningSandbox) -> dict[str, str]:
    """A clean environment pointing at the sandbox, with a private config dir and HOME."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TICKETTAILOR_")}
    clean |= {
        "HOME": str(tmp_path / "home"),
        "TICKETTAILOR_CONFIG_DIR": str(tmp_path / "config"),
        "TICKETTAILOR_BASE_URL": sandbox.base_url,
        "TICKETTAILOR_API_KEY": sandbox.key,
        "COLUMNS": "120",
        "TERM": "xterm",
    }
    (tmp_path / "home").mkdir()
    return clean


def _echoing(fd: int) -> bool:
    """Whether the terminal still echoes what is typed (a hidden prompt turns it off)."""
    return bool(termios.tcgetattr(fd)[3] & termios.ECHO)


def in_pty(
    argv: list[str], env: dict[str, str], *, answer: tuple[bytes, bytes] | None = None
) -> tuple[int, str]:
    """Run ``argv`` on a pseudo-terminal; ``answer`` = (prompt seen, text to type), typed
    once the prompt shows and echo is off, as a person would type a password."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: become the command
        os.execvpe(argv[0], argv, env)  # noqa: S606  (a fixed, known executable)
    output = b""
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                output += chunk
                if answer and answer[0] in output and not _echoing(fd):
                    os.write(fd, answer[1])
                    answer = None
    finally:
        os.close(fd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), output.decode(errors="replace")


def test_piped_output_is_json_lines(env: dict[str, str]) -> None:
    done = subprocess.run(
        [EXE, "orders", "list", "--limit", "3"], env=env, capture_output=True, check=False
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.decode().splitlines()
    assert [json.loads(line)["object"] for line in lines] == ["order"] * 3


def test_terminal_gets_a_table_and_progress(env: dict[str, str]) -> None:
    code, text = in_pty([EXE, "orders", "list", "--limit", "250"], env)
    assert code == 0, text
    assert "ID" in text
    assert "Buyer" in text
    assert "Total" in text
    assert "Fetching orders" in text  # the transient progress line
    assert "{" not in text  # not JSON


def test_connect_prompt_does_not_echo_the_key(env: dict[str, str]) -> None:
    env = {k: v for k, v in env.items() if k != "TICKETTAILOR_API_KEY"}
    code, text = in_pty(
        [EXE, "connect", "--name", "shop"], env, answer=(b"API key", TEST_KEY.encode() + b"\r")
    )
    assert code == 0, text
    assert "Connected to box office" in text
    assert TEST_KEY not in text
    assert TEST_KEY[-4:] in text  # the hint shown afterwards


@pytest.fixture(scope="module")
def faulty(sandbox_config: SandboxConfig) -> Iterator[tuple[str, Faults]]:
    """A sandbox whose fault injector is driven per test."""
    config = dataclasses.replace(sandbox_config, orders=400)
    with serve_in_thread(config) as running:
        yield running.base_url, Faults(running.base_url)


@pytest.fixture
def slow(faulty: tuple[str, Faults]) -> Iterator[str]:
    """Order pages that take a moment, so a listing can be interrupted."""
    base_url, faults = faulty
    faults.add("latency:0.4,path=/v1/orders")
    yield base_url
    faults.clear()


def listing_with_fault(
    env: dict[str, str], faulty: tuple[str, Faults], spec: str
) -> tuple[int, str]:
    """``orders list --limit 2`` on a terminal while the sandbox applies fault ``spec``."""
    base_url, faults = faulty
    faults.add(spec)
    try:
        return in_pty(
            [EXE, "orders", "list", "--limit", "2"], env | {"TICKETTAILOR_BASE_URL": base_url}
        )
    finally:
        faults.clear()


def test_retries_are_announced_on_a_terminal(
    env: dict[str, str], faulty: tuple[str, Faults]
) -> None:
    code, text = listing_with_fault(env, faulty, "429,path=/v1/orders,count=1")
    assert code == 0, text
    assert "tickettailor: Retrying GET /v1/orders" in text
    assert "RateLimitError" in text


@pytest.mark.parametrize("fmt", ["jsonl", "json"])
def test_ctrl_c_stops_cleanly_with_the_output_intact(
    env: dict[str, str], slow: str, fmt: str
) -> None:
    env = env | {"TICKETTAILOR_BASE_URL": slow}
    proc = subprocess.Popen(
        [EXE, "orders", "list", "--format", fmt],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    assert proc.stderr is not None
    first = proc.stdout.readline()  # blocks until the first page has been printed
    assert first.strip()
    proc.send_signal(signal.SIGINT)
    # Read through the same buffered pipe readline used (communicate would skip what
    # it already buffered).
    rest = proc.stdout.read()
    err = proc.stderr.read()
    assert proc.wait(timeout=30) == 130, err
    text = (first + rest).decode()
    if fmt == "jsonl":
        records = [json.loads(line) for line in text.splitlines()]
    else:
        records = json.loads(text)  # the array was closed
    assert 0 < len(records) < 400
    assert "Interrupted after" in err.decode()
    assert "Traceback" not in err.decode()


def test_completion_installs_with_one_command(env: dict[str, str], tmp_path: Path) -> None:
    done = subprocess.run(
        [EXE, "--install-completion", "bash"], env=env, capture_output=True, check=False
    )
    assert done.returncode == 0, done.stderr
    script = tmp_path / "home" / ".bash_completions" / "tickettailor.sh"
    assert script.exists()
    assert str(script) in (tmp_path / "home" / ".bashrc").read_text()
    asked = env | {
        "_TICKETTAILOR_COMPLETE": "complete_bash",
        "COMP_WORDS": "tickettailor orders list --created-g",
        "COMP_CWORD": "3",
    }
    offered = subprocess.run([EXE], env=asked, capture_output=True, check=False).stdout.decode()
    assert offered.split() == ["--created-gt", "--created-gte"]


def test_exit_codes(env: dict[str, str]) -> None:
    def code(*args: str) -> int:
        return subprocess.run([EXE, *args], env=env, capture_output=True, check=False).returncode

    assert code("events", "list", "--limit", "1") == 0
    assert code("events", "get", "ev_0") == 1
    assert code("events", "list", "--start-gte", "someday") == 2


def test_a_long_rate_limit_wait_is_announced(
    env: dict[str, str], faulty: tuple[str, Faults]
) -> None:
    spec = "429,path=/v1/orders,count=1,retry_after=873"
    code, text = listing_with_fault(env | {"TICKETTAILOR_TEST_MODE": "1"}, faulty, spec)
    assert code == 0, text
    assert "rate limited (429): waiting 14m33s as the server asked; Ctrl-C to stop" in text


def test_a_refused_loopback_connection_fails_fast_and_says_so(env: dict[str, str]) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code, text = in_pty(
        [EXE, "orders", "list"], env | {"TICKETTAILOR_BASE_URL": f"http://127.0.0.1:{port}"}
    )
    assert code == 1, text
    assert "Retrying GET /v1/orders in 0.20s after APIConnectionError (Connection refused)" in text
    assert "retry 2 of" not in text  # one quick retry, not five
    assert f"Could not connect to http://127.0.0.1:{port}: Connection refused" in text


@pytest.mark.parametrize("command", ["orders", "events", "issued-tickets"])
def test_tables_fit_80_columns_without_wrapping(env: dict[str, str], command: str) -> None:
    code, text = in_pty([EXE, command, "list", "-n", "8"], env | {"COLUMNS": "80"})
    assert code == 0, text
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text).replace("\r", "")
    lines = [line for line in plain.splitlines() if line.strip() and "Fetching" not in line]
    assert all(len(line) <= 80 for line in lines), plain
    table = [line for line in lines if not line.startswith("(left out")]
    assert len(table) == 2 + 8, text  # header, rule, one line per record: nothing wrapped
    assert "…" in text  # long names are cut, not wrapped
