"""Every command's help reads fully at 80 columns (issue 10): no option's words cut
with an ellipsis, none eaten as markup."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.cli.conftest import _ROOT, invoke


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


def _command(path: tuple[str, ...]) -> Any:
    command = _ROOT
    for name in path:
        command = command.commands[name]
    return command


@pytest.mark.parametrize("path", list(_commands(_ROOT)), ids=" ".join)
def test_help_shows_every_word_at_80_columns(path: tuple[str, ...]) -> None:
    result = invoke(*path, "--help", COLUMNS="80")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert "…" not in result.stdout
    # A word longer than its column goes on over the next line: compare without the
    # spaces and borders that folding puts in between.
    packed = "".join(result.stdout.replace("│", "").split())
    for param in _command(path).params:
        for word in (getattr(param, "help", None) or "").split():
            assert word.replace("\\", "") in packed, f"{param.name}: {word!r} is missing"
