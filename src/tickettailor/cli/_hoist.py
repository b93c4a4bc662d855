"""Global options after the command: ``orders list --limit 1 --profile live`` works.

click reads a group's options only before its subcommand's name. People type them
where they think of them, so before parsing, the global options found after the
command are moved in front of it. An option the command itself defines (``sandbox
--api-key``, ``connect --api-key``) stays the command's, and nothing after ``--`` moves.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["HOISTED", "command_path", "hoist_global_options", "wants_help"]

# The global options that may follow the command (eager ones such as --version and
# --help keep their meaning where they are).
HOISTED = ("--profile", "-p", "--api-key", "--base-url", "--tz", "--verbose", "-v")
_VERBOSE_CLUSTER = re.compile(r"-v+")


def _option_names(command: Any) -> dict[str, bool]:
    """Each option name of ``command`` -> whether it takes a value."""
    names: dict[str, bool] = {}
    for param in getattr(command, "params", []):
        if getattr(param, "param_type_name", "") != "option":
            continue
        takes_value = not (param.is_flag or param.count)
        for name in [*param.opts, *param.secondary_opts]:
            names[name] = takes_value
    return names


def _name(word: str) -> str:
    return word.split("=", 1)[0] if word.startswith("--") else word


def _skip_options(args: list[str], start: int, options: dict[str, bool]) -> int:
    """The index of the first word from ``start`` that is not one of ``options``."""
    i = start
    while i < len(args) and args[i].startswith("-") and args[i] != "--":
        word = args[i]
        i += 2 if options.get(_name(word)) and "=" not in word else 1
    return i


def command_path(group: Any, args: list[str]) -> tuple[Any, int, int]:
    """(the command ``args`` name, where its name starts, where its arguments start)."""
    start = _skip_options(args, 0, _option_names(group))
    command = group
    path_end = start
    # Walk down the command path: the group's command, then subcommands of groups.
    while path_end < len(args):
        found = getattr(command, "commands", {}).get(args[path_end])
        if found is None:
            break
        command = found
        path_end += 1
    return command, start, path_end


def wants_help(group: Any, args: list[str]) -> bool:
    """Whether ``args`` ask for help: ``-h``/``--help``, or a group with no command."""
    if "-h" in args or "--help" in args:
        return True
    return hasattr(command_path(group, args)[0], "commands")


def hoist_global_options(group: Any, args: list[str]) -> list[str]:
    """``args`` with the global options that follow the command moved before it."""
    own = _option_names(group)
    hoisted = {name: own[name] for name in HOISTED if name in own}
    command, start, path_end = command_path(group, args)
    if command is group:
        return args
    leaf = _option_names(command)
    moved: list[str] = []
    kept: list[str] = []
    rest = args[path_end:]
    i = 0
    while i < len(rest):
        word = rest[i]
        if word == "--":
            kept += rest[i:]
            break
        name = _name(word)
        cluster = _VERBOSE_CLUSTER.fullmatch(word) is not None and "-v" not in leaf
        target = moved if (name in hoisted and name not in leaf) or cluster else kept
        takes_value = leaf.get(name) if target is kept else hoisted.get(name, False)
        width = 2 if takes_value and "=" not in word and i + 1 < len(rest) else 1
        target += rest[i : i + width]
        i += width
    return args[:start] + moved + args[start:path_end] + kept
