"""``exec:COMMAND``: the envelope on the command's stdin; exit 0 accepts it."""

from __future__ import annotations

import json
import os
import shlex
import sys
import time
from pathlib import Path

import pytest

from tests.sinks.conftest import MakeEnvelope
from tickettailor.sinks import ExecSink, parse_sink_spec
from tickettailor.sinks.exec import needs_shell
from tickettailor.watch.sink import SinkError

PY = shlex.quote(sys.executable)


def script(tmp_path: Path, body: str) -> str:
    """A Python script file; returns the exec target that runs it."""
    path = tmp_path / "hook.py"
    path.write_text(body)
    return f"{PY} {shlex.quote(str(path))}"


def test_the_command_reads_the_envelope_on_stdin(tmp_path: Path, make_env: MakeEnvelope) -> None:
    out = tmp_path / "got.json"
    target = script(
        tmp_path,
        "import json, os, sys\n"
        "line = sys.stdin.read()\n"
        "env = {k: os.environ[k] for k in ('TICKETTAILOR_EVENT_ID', 'TICKETTAILOR_EVENT_TYPE')}\n"
        "open(sys.argv[1], 'w').write(json.dumps({'line': line, 'env': env}))\n",
    )
    envelope = make_env()
    sink = parse_sink_spec(f"exec:{target} {shlex.quote(str(out))}")
    sink.send(envelope)
    got = json.loads(out.read_text())
    assert got["line"].endswith("\n")
    assert json.loads(got["line"]) == envelope
    assert got["env"] == {
        "TICKETTAILOR_EVENT_ID": envelope["id"],
        "TICKETTAILOR_EVENT_TYPE": "order.created",
    }


def test_arguments_without_shell_syntax_are_split_like_a_shell_but_not_run_by_one(
    tmp_path: Path, make_env: MakeEnvelope
) -> None:
    out = tmp_path / "args.json"
    target = script(tmp_path, "import json, sys; json.dump(sys.argv[2:], open(sys.argv[1], 'w'))")
    sink = parse_sink_spec(f"exec:{target} {out} 'two words' '$HOME' ';' 'rm -rf x' \"a|b\"")
    assert isinstance(sink, ExecSink)
    assert sink.argv[0] == sys.executable  # no sh in between
    sink.send(make_env())
    assert json.loads(out.read_text()) == ["two words", "$HOME", ";", "rm -rf x", "a|b"]


def test_a_command_with_shell_syntax_runs_through_sh(
    tmp_path: Path, make_env: MakeEnvelope, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    quiet = parse_sink_spec("exec:cat > /dev/null")
    assert quiet.name == "exec:cat > /dev/null"
    quiet.send(make_env())  # before: cat was given '>' and '/dev/null' as files, and failed
    envelope = make_env()
    piped = parse_sink_spec(
        f"exec:{PY} -c 'import json,sys; print(json.load(sys.stdin)[\"id\"])' | tr a-z A-Z "
        '>> "$TICKETTAILOR_EVENT_TYPE.txt"'
    )
    piped.send(envelope)
    assert (tmp_path / "order.created.txt").read_text() == envelope["id"].upper() + "\n"
    with pytest.raises(SinkError, match="exit status 3"):
        parse_sink_spec("exec:cat >/dev/null; exit 3").send(make_env())


@pytest.mark.parametrize(
    ("command", "shell"),
    [
        ("./notify.sh --verbose", False),
        ("notify 'a | b' '$HOME' \\; x", False),
        ("cat > /dev/null", True),
        ("a|b", True),
        ('notify "$HOME"', True),
        ("notify *.txt", True),
        ("FOO=1 notify; other", True),
        ("notify `date`", True),
    ],
)
def test_shell_syntax_is_recognised_outside_single_quotes(command: str, shell: bool) -> None:
    assert needs_shell(command) is shell


def test_a_failing_command_is_retryable_with_its_stderr_tail(
    tmp_path: Path, make_env: MakeEnvelope
) -> None:
    target = script(
        tmp_path,
        "import sys\n"
        "sys.stderr.write('noise ' * 500)\n"
        "sys.stderr.write('\\ncrm said: quota exceeded\\n')\n"
        "sys.exit(3)\n",
    )
    with pytest.raises(SinkError) as caught:
        parse_sink_spec(f"exec:{target}").send(make_env())
    message = str(caught.value)
    assert caught.value.permanent is False
    assert "exit status 3: ..." in message
    assert message.endswith("crm said: quota exceeded")
    assert len(message) < 800


def test_a_command_killed_by_a_signal_says_so(tmp_path: Path, make_env: MakeEnvelope) -> None:
    target = script(tmp_path, "import os, signal; os.kill(os.getpid(), signal.SIGTERM)")
    with pytest.raises(SinkError, match="killed by signal SIGTERM"):
        parse_sink_spec(f"exec:{target}").send(make_env())


def test_a_hung_command_is_killed_with_its_children(tmp_path: Path, make_env: MakeEnvelope) -> None:
    pid_file = tmp_path / "child.pid"
    # The command starts a grandchild that would outlive a plain kill of its parent.
    target = f"sh -c 'sleep 600 & echo $! > {pid_file}; wait'"
    sink = ExecSink(target, timeout=1.0)
    with pytest.raises(SinkError, match=r"no exit within 1s; killed it") as caught:
        sink.send(make_env())
    assert caught.value.permanent is False
    grandchild = int(pid_file.read_text())
    deadline = time.monotonic() + 10
    while _alive(grandchild):
        assert time.monotonic() < deadline, "the grandchild survived"
        time.sleep(0.02)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (killed, not yet reaped by init) counts as gone.
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(") ")[1].startswith("Z"))


def test_the_command_output_does_not_leak_into_ours(
    tmp_path: Path, make_env: MakeEnvelope, capfd: pytest.CaptureFixture[str]
) -> None:
    target = script(tmp_path, "print('chatty command output')")
    parse_sink_spec(f"exec:{target}").send(make_env())
    assert "chatty" not in capfd.readouterr().out


def test_a_command_that_vanished_is_retryable(tmp_path: Path, make_env: MakeEnvelope) -> None:
    tool = tmp_path / "tool.sh"
    tool.write_text("#!/bin/sh\nexit 0\n")
    tool.chmod(0o755)
    sink = parse_sink_spec(f"exec:{tool}")
    sink.send(make_env())
    tool.unlink()  # e.g. mid-deploy: it may be back on the next attempt
    with pytest.raises(SinkError, match="cannot start: No such file") as caught:
        sink.send(make_env())
    assert caught.value.permanent is False


def test_timeout_must_be_positive() -> None:
    with pytest.raises(ValueError, match="timeout must be positive"):
        ExecSink("true", timeout=0)
