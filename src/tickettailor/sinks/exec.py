"""``exec:COMMAND``: run a command per envelope, the envelope JSON on its stdin.

A command string with shell syntax (``|``, ``>``, ``<``, ``;``, ``&``, ``$``, a
backquote, glob characters, parentheses, braces, ``~`` or ``#`` outside single quotes)
is run by ``/bin/sh -c COMMAND``, as cron runs its lines: ``exec:cat > /dev/null`` and
``exec:jq -c .data >> orders.jsonl`` work. Any other string is split like a shell would
(``shlex``) and run directly, which gives the same result without a shell in between;
a list of arguments (library use) is never given to a shell. Exit status 0
means accepted; anything else, or running past the timeout, is a retryable error whose
message ends with the tail of the command's stderr. The command's stdout is discarded
(it must not mix with the ``-`` sink). ``TICKETTAILOR_EVENT_ID`` and
``TICKETTAILOR_EVENT_TYPE`` are set in its environment for scripts that want them.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import subprocess
from collections.abc import Mapping, Sequence

from tickettailor._core.errors import UsageError
from tickettailor.sinks._common import envelope_json
from tickettailor.watch.envelope import Envelope
from tickettailor.watch.sink import SinkError

__all__ = ["ExecSink", "needs_shell"]

_STDERR_TAIL = 500  # characters of stderr quoted in an error


# Characters that mean something to sh outside quotes (inside double quotes only $ and `).
_SHELL_CHARS = frozenset("|&;<>()$`*?[]{}~#\n")
SHELL = "/bin/sh"


def needs_shell(command: str) -> bool:
    """True when ``command`` uses shell syntax outside single quotes."""
    quote = ""
    escaped = False
    for char in command:
        if escaped:
            escaped = False
        elif quote == "'":
            quote = "" if char == "'" else quote
        elif char == "\\":
            escaped = True
        elif quote == '"':
            if char in "$`":
                return True
            quote = "" if char == '"' else quote
        elif char in "'\"":
            quote = char
        elif char in _SHELL_CHARS:
            return True
    return False


def _argv(command: str | Sequence[str]) -> list[str]:
    if isinstance(command, str):
        try:
            argv = shlex.split(command)
        except ValueError as exc:
            raise UsageError(f"exec sink: cannot split the command ({exc}); check quotes") from None
    else:
        argv = [str(part) for part in command]
    if not argv:
        raise UsageError("exec sink needs a command, e.g. exec:'./on-order.sh --verbose'")
    program = argv[0]
    shell = isinstance(command, str) and needs_shell(command)
    # Under sh the first word may be an assignment (X=1 cmd) or syntax: check a plain one.
    unsure = shell and (needs_shell(program) or "=" in program)
    if not unsure and shutil.which(program) is None:
        raise UsageError(
            f"exec sink: command {program!r} not found: give an executable on PATH "
            "or a path to an executable file"
        )
    if shell:
        return [SHELL, "-c", str(command).strip()]
    return argv


class ExecSink:
    """Run ``command`` once per envelope; exit 0 within ``timeout`` seconds accepts it."""

    def __init__(
        self,
        command: str | Sequence[str],
        *,
        timeout: float = 30.0,
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
    ) -> None:
        if not timeout > 0:
            raise UsageError(f"exec sink: timeout must be positive seconds, not {timeout!r}")
        self.argv = _argv(command)
        self.timeout = timeout
        shell = self.argv[:2] == [SHELL, "-c"] and isinstance(command, str)
        self.name = f"exec:{self.argv[2] if shell else shlex.join(self.argv)}"
        self._env = dict(os.environ if env is None else env)
        self._cwd = cwd

    def __repr__(self) -> str:
        return f"ExecSink({self.name.removeprefix('exec:')!r}, timeout={self.timeout})"

    def send(self, envelope: Envelope) -> None:
        data = (envelope_json(envelope) + "\n").encode()
        env = {
            **self._env,
            "TICKETTAILOR_EVENT_ID": envelope["id"],
            "TICKETTAILOR_EVENT_TYPE": envelope["type"],
        }
        try:
            proc = subprocess.Popen(  # noqa: S603 - the user's own command (sh only if they wrote shell)
                self.argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env=env,
                cwd=self._cwd,
                start_new_session=True,  # its own process group, killed whole on timeout
            )
        except OSError as exc:
            raise SinkError(f"{self.name}: cannot start: {exc.strerror or exc}") from None
        try:
            _, stderr = proc.communicate(data, timeout=self.timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise SinkError(
                f"{self.name}: no exit within {self.timeout:g}s; killed it "
                "(raise the timeout with exec,timeout=SECONDS:COMMAND)"
            ) from None
        if proc.returncode != 0:
            raise SinkError(f"{self.name}: {_status(proc.returncode)}{_tail(stderr)}")

    def close(self) -> None:
        """Nothing to release: each envelope runs its own process to completion."""


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):  # already gone
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()


def _status(code: int) -> str:
    if code < 0:
        return f"killed by signal {signal.Signals(-code).name}"
    return f"exit status {code}"


def _tail(stderr: bytes) -> str:
    text = stderr.decode(errors="replace").strip()
    if not text:
        return ""
    return ": " + ("..." + text[-_STDERR_TAIL:] if len(text) > _STDERR_TAIL else text)
