"""A document's environment for the docs tests: its folder, config, data and the
sandbox its commands run against (see test_documented_commands.py)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from tests.docs.markdown import Command, all_documents

DOCUMENTED_ADDRESS = "127.0.0.1:8765"
BIN = Path(sys.executable).parent
READY = re.compile(r"ready at (http://\S+)|Receiving Ticket Tailor webhooks at (http://\S+)")
SECRET = "whsec_docs_test_only"  # a receiver needs one; docs use $TICKETTAILOR_WEBHOOK_SECRET
COMMANDS = [c for doc in all_documents() for c in doc.commands]


def is_sandbox(text: str) -> bool:
    return text.split()[:2] == ["tickettailor", "sandbox"]


def on_port_zero(text: str) -> str:
    """In the foreground (no ``&``: the test stops it) and on a free port."""
    text = text.rstrip().removesuffix("&").rstrip()
    if re.search(r"--port[ =]\d+", text):
        return re.sub(r"--port([ =])\d+", r"--port\g<1>0", text)
    return text + " --port 0"


@dataclass
class Sandbox:
    process: subprocess.Popen[str]
    url: str
    key: str
    output: str


def start_serving(script: str, env: dict[str, str], cwd: Path) -> tuple[subprocess.Popen[str], str]:
    """Start a command that serves; return it and its output once it says it is ready.
    Killed if it has not within 90 s; its later output is drained so it never blocks."""
    process = subprocess.Popen(
        ["bash", "-c", script], cwd=cwd, env=env, text=True,
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    stdout = process.stdout
    assert stdout is not None
    watchdog = threading.Timer(90, process.kill)
    watchdog.start()
    lines: list[str] = []
    try:
        for line in stdout:
            lines.append(line)
            if line.startswith(("Try: curl", "Receiving Ticket Tailor webhooks")):
                threading.Thread(target=stdout.read, daemon=True).start()
                return process, "".join(lines)
    finally:
        watchdog.cancel()
    stop(process)
    raise AssertionError("it never said it was ready:\n" + "".join(lines))


def stop(process: subprocess.Popen[str]) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


@dataclass
class DocEnv:
    folder: Path
    env: dict[str, str]
    sandbox: Sandbox
    first_sandbox: Command | None


def base_env(folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TICKETTAILOR_")}
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        TICKETTAILOR_CONFIG_DIR=str(folder / "config"),
        TICKETTAILOR_DATA_DIR=str(folder / "data"),
        TICKETTAILOR_WEBHOOK_SECRET=SECRET,
        COLUMNS="100",
        PYTHONUNBUFFERED="1",
    )
    return env


class Environments:
    """One environment per document, made on first use and kept for the session."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.made: dict[str, DocEnv] = {}

    def get(self, doc: str) -> DocEnv:
        if doc not in self.made:
            self.made[doc] = self._make(doc)
        return self.made[doc]

    def _make(self, doc: str) -> DocEnv:
        folder = self.root / doc.replace("/", "_")
        folder.mkdir()
        env = base_env(folder)
        starts = (c for c in COMMANDS if c.doc == doc and not c.inline and is_sandbox(c.text))
        first = next(starts, None)
        start = on_port_zero(first.text if first else "tickettailor sandbox")
        process, output = start_serving("exec " + start, env, folder)
        url = READY.search(output)
        key = re.search(r"API key: (\S+)", output)
        assert url, output
        assert key, output
        sandbox = Sandbox(process, url.group(1), key.group(1), output)
        connect = subprocess.run(
            ["tickettailor", "--base-url", sandbox.url, "connect", "--name", "sandbox"],
            input=sandbox.key + "\n", env=env, cwd=folder, capture_output=True, text=True,
            timeout=60,
        )  # fmt: skip
        assert connect.returncode == 0, connect.stderr
        return DocEnv(folder, env, sandbox, first)

    def close(self) -> None:
        for made in self.made.values():
            stop(made.sandbox.process)
