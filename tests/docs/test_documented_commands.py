"""Every shell command written in README.md and docs/*.md runs, as written, against a
sandbox started the way the document starts it, and exits with the code the document
shows (0 unless a ``$ echo $?`` says otherwise).

How a document's commands run (tests/docs/markdown.py says what counts as one):

- Each document gets its own folder (the working directory), config and data folders,
  and a *backing sandbox*: the first ``tickettailor sandbox`` of its code blocks, or a
  plain ``tickettailor sandbox`` when it has none. The default connection is saved for it, so
  every command also works when run alone (``pytest -k``).
- ``127.0.0.1:8765`` (the documented address) becomes the backing sandbox's address,
  since port 8765 may be taken on the machine running the tests.
- Commands that serve until stopped (another ``tickettailor sandbox``, ``webhooks
  serve``) run on ``--port 0`` until they say they are ready, then get Ctrl-C and must
  exit cleanly; a ``watch`` of records without ``--once`` runs with ``--once``; a bare
  command name in the prose (``tickettailor watch``) runs with ``--help``.
- ``curl`` runs with ``--fail-with-body``, so an HTTP error fails the test.
- Commands read the sandbox's key on stdin (what ``connect`` asks for) and run in bash
  with ``set -eo pipefail``. Output is not compared: other tests own it.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import time
from pathlib import Path

import httpx2
import pytest

from tests.docs.markdown import Command
from tests.docs.runner import (
    COMMANDS,
    DOCUMENTED_ADDRESS,
    Environments,
    on_port_zero,
    start_serving,
    stop,
)

pytestmark = pytest.mark.slow  # sandboxes and subprocesses: seconds each
WATCHED = {"orders", "issued-tickets", "check-ins", "events"}


def words(text: str) -> list[str]:
    return shlex.split(text.rstrip("&").strip(), comments=False)


def serves(text: str) -> bool:
    argv = [w for w in words(text) if not w.startswith("-")]
    return argv[:2] == ["tickettailor", "sandbox"] or "serve" in argv[:4]


def bare_reference(command: Command) -> bool:
    """An inline span naming a command, like `tickettailor watch orders`."""
    return command.inline and all(re.fullmatch(r"[a-z][a-z-]*", w) for w in command.text.split())


# The metavariables the docs use in synopses (`--sink SPEC`), as --help writes them.
METAVARS = frozenset(
    ("NAME", "SPEC", "KEY", "URL", "PORT", "PATH", "DSN", "ID", "EV", "TT", "HO", "IT",
     "IT_OR_BARCODE", "SERIES_ID", "SECRET", "DATE", "N", "SECONDS", "RULES", "COMMAND",
     "TICKET", "AMOUNT", "CODE", "ZONE", "FORMAT", "RESOURCES")
)  # fmt: skip


def placeholder(text: str) -> str | None:
    """The first synopsis placeholder in a command (``[--name NAME]``, ``...``), if any."""
    for word in text.split():
        if word in ("...", "…") or word.startswith("[") or word.endswith("]..."):
            return word
        if word in METAVARS:
            return word
    return None


def prepared(command: Command, sandbox_url: str) -> str:
    """The command as the test runs it (see the module docstring)."""
    address = sandbox_url.removeprefix("http://")
    text = command.text.replace(DOCUMENTED_ADDRESS, address)
    if bare_reference(command):
        return f"{text} --help"
    if serves(text):
        return "exec " + on_port_zero(text)
    argv = words(text)
    if argv[:1] == ["curl"]:
        text = "curl --fail-with-body " + text[len("curl ") :]
    if "watch" in argv and "--once" not in argv:
        after = argv[argv.index("watch") + 1 : argv.index("watch") + 2]
        if set(after) & WATCHED:
            text = text.rstrip() + " --once"
    return text


def test_the_documents_have_commands() -> None:
    docs = {c.doc for c in COMMANDS}
    assert {"README.md", "docs/cli.md", "docs/sandbox.md", "docs/webhooks.md"} <= docs


@pytest.mark.parametrize("command", COMMANDS, ids=[c.name for c in COMMANDS])
def test_documented_command(command: Command, environments: Environments) -> None:
    if command.skip:
        pytest.skip(f"{command.name}: marked in the document: {command.skip}")
    if (hole := placeholder(command.text)) and not bare_reference(command):
        pytest.skip(f"{command.name}: a synopsis, {hole!r} stands for your own value")
    argv = words(command.text)
    if argv[:1] == ["curl"] and shutil.which("curl") is None:
        if os.environ.get("CI"):  # CI installs curl (.ci/run): a missing one is a failure
            pytest.fail("CI has no curl: .ci/run must install it")
        pytest.skip("curl is not installed here: apt-get install curl")
    doc = environments.get(command.doc)
    if command is doc.first_sandbox:
        assert doc.sandbox.process.poll() is None, doc.sandbox.output  # it serves the rest
        return
    text = prepared(command, doc.sandbox.url)
    script = "\n".join(["set -eo pipefail", *command.assignments, text])
    script = script.replace(DOCUMENTED_ADDRESS, doc.sandbox.url.removeprefix("http://"))
    if text.startswith("exec "):
        process, _output = start_serving(script, doc.env, doc.folder)
        assert stop(process) in (0, 130)
        return
    result = subprocess.run(
        ["bash", "-c", script], cwd=doc.folder, env=doc.env, input=doc.sandbox.key + "\n",
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == command.expect, (
        f"{text}\nexit {result.returncode}\nstdout: {result.stdout[-2000:]}\n"
        f"stderr: {result.stderr[-2000:]}"
    )


def test_the_five_minutes_flow_prints_the_orders_sold_since_the_sandbox_started(
    environments: Environments, tmp_path: Path
) -> None:
    (watch,) = [c for c in COMMANDS if c.doc == "README.md" and "--start -1h --once" in c.text]
    doc = environments.get("README.md")
    deadline = time.monotonic() + 60
    while not recent_orders(doc.sandbox.url, doc.sandbox.key):  # the sandbox sells live
        assert time.monotonic() < deadline, "the README's sandbox sold nothing in 60 s"
        time.sleep(0.2)
    result = subprocess.run(
        ["bash", "-c", watch.text], cwd=doc.folder, capture_output=True, text=True, timeout=120,
        env={**doc.env, "TICKETTAILOR_DATA_DIR": str(tmp_path)},  # a first run: no position
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert re.search(r"\bor_\d+", result.stdout), result.stdout + result.stderr


def recent_orders(url: str, key: str) -> list[object]:
    since = int(time.time()) - 3600
    page = httpx2.get(f"{url}/v1/orders", params={"created_at.gte": since}, auth=(key, ""))
    page.raise_for_status()
    data: list[object] = page.json()["data"]
    return data
