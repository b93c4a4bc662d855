"""The commands and Python snippets written in README.md and docs/*.md, as the tests
of tests/docs run them.

What counts as a command:

- every line of a fenced block tagged ``sh``, ``bash`` or ``shell`` (comment lines
  skipped, a trailing ``# comment`` dropped, ``\\`` continues a line);
- every ``$ `` line of a ``console`` or untagged block; the lines after it are its output.
  ``$ echo $?`` followed by a number states the exit code of the command before it;
- every inline code span starting with ``tickettailor `` in the prose and tables.

``<!-- docs-test: skip REASON -->`` on its own line before a fenced block skips every
command (or the snippet) of that block; just before an inline span, that span. A skip is
reported with its reason, never silent. ``NAME=value`` lines set a shell variable for the
commands after them in the same file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHELL_TAGS = {"sh", "bash", "shell", "zsh"}
PROMPT_TAGS = {"console", ""}
MARKER = re.compile(r"<!--\s*docs-test:\s*skip\s+(.+?)\s*-->")
FENCE = re.compile(r"^(```|~~~)\s*([\w+-]*)")
INLINE = re.compile(r"(<!--\s*docs-test:\s*skip\s+(.+?)\s*-->\s*)?`(tickettailor [^`]+)`")
ASSIGNMENT = re.compile(r"^(?:export\s+)?[A-Za-z_][A-Za-z0-9_]*=\S*$")


@dataclass
class Command:
    doc: str  # path relative to the repository
    line: int
    text: str
    skip: str | None = None
    expect: int = 0  # the exit code the document shows (``echo $?``), else 0
    inline: bool = False
    assignments: list[str] = field(default_factory=list)  # NAME=value lines before it

    @property
    def name(self) -> str:
        return f"{self.doc}:{self.line}: {self.text}"


@dataclass
class Snippet:
    doc: str
    line: int
    code: str
    skip: str | None = None


@dataclass
class Document:
    path: str
    commands: list[Command] = field(default_factory=list)
    snippets: list[Snippet] = field(default_factory=list)  # ```python blocks
    spans: list[tuple[int, str]] = field(default_factory=list)  # every inline code span


def documents() -> list[Path]:
    return [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def strip_comment(line: str) -> str:
    """``cmd --x 1   # why`` -> ``cmd --x 1``; a ``#`` inside quotes or a word stays."""
    quote = None
    for i, char in enumerate(line):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip()
    return line.rstrip()


def _join_continuations(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    joined: list[tuple[int, str]] = []
    pending: tuple[int, str] | None = None
    for number, text in lines:
        if pending is not None:
            pending = (pending[0], pending[1] + " " + text.strip())
        else:
            pending = (number, text)
        if pending[1].endswith("\\"):
            pending = (pending[0], pending[1][:-1].rstrip())
            continue
        joined.append(pending)
        pending = None
    if pending is not None:
        joined.append(pending)
    return joined


def _block_commands(tag: str, body: list[tuple[int, str]]) -> list[tuple[int, str, int]]:
    """(line, command, expected exit) of one fenced block."""
    if tag in SHELL_TAGS:
        lines = [
            (n, strip_comment(t)) for n, t in body if t.strip() and not t.lstrip().startswith("#")
        ]
        return [(n, t, 0) for n, t in _join_continuations(lines) if t]
    found: list[tuple[int, str, int]] = []
    i = 0
    while i < len(body):
        number, text = body[i]
        i += 1
        if not text.startswith("$ "):
            continue
        parts = [(number, text[2:])]
        while parts[-1][1].rstrip().endswith("\\") and i < len(body):
            parts.append(body[i])
            i += 1
        ((_, command),) = _join_continuations(parts)
        command = strip_comment(command)
        if command == "echo $?" and found:
            output = body[i][1].strip() if i < len(body) else ""
            if output.isdigit():
                found[-1] = (found[-1][0], found[-1][1], int(output))
            continue
        found.append((number, command, 0))
    return found


def parse(path: Path) -> Document:
    return parse_text(path.relative_to(REPO).as_posix(), path.read_text("utf-8"))


def parse_text(name: str, text: str) -> Document:
    doc = Document(name)
    lines = text.splitlines()
    assignments: list[str] = []
    marker: str | None = None
    i = 0
    while i < len(lines):
        number, line = i + 1, lines[i]
        i += 1
        fence = FENCE.match(line)
        if fence is None:
            alone = MARKER.fullmatch(line.strip())
            if alone:
                marker = alone.group(1)
                continue
            if line.strip() and marker is not None:
                raise ValueError(f"{doc.path}:{number}: a docs-test marker must precede a fence")
            doc.spans += [(number, span) for span in re.findall(r"`([^`]+)`", line)]
            for m in INLINE.finditer(line):
                doc.commands.append(
                    Command(
                        doc.path,
                        number,
                        m.group(3),
                        skip=m.group(2),
                        inline=True,
                        assignments=list(assignments),
                    )
                )
            continue
        tag = fence.group(2).lower()
        body: list[tuple[int, str]] = []
        while i < len(lines) and not lines[i].startswith(fence.group(1)):
            body.append((i + 1, lines[i]))
            i += 1
        i += 1  # the closing fence
        skip, marker = marker, None
        if tag == "python":
            doc.snippets.append(Snippet(doc.path, number, "\n".join(t for _, t in body), skip))
        elif tag in SHELL_TAGS or tag in PROMPT_TAGS:
            for line_no, command, expect in _block_commands(tag, body):
                if ASSIGNMENT.match(command):
                    assignments.append(command)
                    continue
                doc.commands.append(
                    Command(doc.path, line_no, command, skip, expect, assignments=list(assignments))
                )
    return doc


def all_documents() -> list[Document]:
    return [parse(path) for path in documents()]
