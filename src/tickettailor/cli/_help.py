"""How ``--help`` reads: sections, their order, examples, and no type jargon.

Every command's ``--help`` ends with examples (``epilog``); ``tickettailor --help``
groups the commands in sections listed in the order of ``HELP_ORDER``; options show
what to type (``ID``, ``DATE``, ``N``...) and flags show nothing (``quiet_flags``).
"""

from __future__ import annotations

import re
from typing import Any

import typer
from typer.core import TyperOption

# Sections of `tickettailor --help`, so the commands read in the order people need them.
PANEL_START = "Getting started (no account needed)"
PANEL_CONNECT = "Connect a box office"
PANEL_RECORDS = "Orders, events and any API call"
PANEL_WATCH = "Watch for new records"
PANEL_MORE = "More resources"

# The sections in order, each with the commands it lists first (in this order); other
# commands follow in the order they were registered, unknown sections last.
HELP_ORDER: dict[str, tuple[str, ...]] = {
    PANEL_START: ("demo", "sandbox"),
    PANEL_CONNECT: ("connect", "connections"),
    PANEL_RECORDS: ("orders", "events", "overview", "call"),
    PANEL_WATCH: ("watch", "webhooks"),
    PANEL_MORE: (),
}


def help_rank(name: str, command: Any) -> tuple[int, int]:
    """Sort key of a top-level command in ``tickettailor --help`` (use a stable sort)."""
    panel = getattr(command, "rich_help_panel", None)
    panels = list(HELP_ORDER)
    if panel not in HELP_ORDER:
        return len(panels), 0
    listed = HELP_ORDER[panel]
    return panels.index(panel), listed.index(name) if name in listed else len(listed)


def epilog(*examples: str) -> str:
    """An "Examples" section for a command's ``--help`` (rich markup, escaped)."""
    # typer's rich help keeps paragraphs split by blank lines and joins single lines.
    lines = "\n\n".join(f"  $ {escape_markup(example)}" for example in examples)
    return f"[bold]Examples[/bold]\n\n{lines}"


# What rich reads as a markup tag: "[" then a letter, "#", "/" or "@" up to "]".
_TAG = re.compile(r"(\\*)(\[[a-z#/@][^[]*?])")


def escape_markup(text: str) -> str:
    """``text`` shown as typed in rich markup: ``rich.markup.escape``'s rule, here so
    that building a command's help text (done for every run) does not import rich."""
    escaped = _TAG.sub(lambda m: f"{m[1]}{m[1]}\\{m[2]}", text)
    if escaped.endswith("\\") and not escaped.endswith("\\\\"):
        return escaped + "\\"
    return escaped


def quiet_flags(command: Any, help_names: list[str]) -> None:
    """No ``<bool>`` after a flag in ``--help``: a flag takes no value to describe.

    typer shows the type of every option it has no metavar for, flags included (its
    own ``--help`` too), so give flags an empty one, in ``command`` and all below it.
    ``help_names``: the help options' names, to build each command's help option as
    typer will (it keeps that one object).
    """
    help_option = command.get_help_option(typer.Context(command, help_option_names=help_names))
    for param in [*command.params, help_option]:
        flag = isinstance(param, TyperOption) and (param.is_flag or param.count)
        if flag and param.metavar is None:
            param.metavar = ""
    for sub in getattr(command, "commands", {}).values():
        quiet_flags(sub, help_names)


def unclipped_option_help() -> None:
    """Help that reads fully at 80 columns.

    typer lays an option's help, env var and default side by side in rich ``Columns``,
    and the options table cuts a word longer than the column with an ellipsis
    ("URL#ORDER.CREATED,ISSUED_TI…"). Stacked in a ``Group``, each part folding, a long
    word goes on over the next line instead. Called only when help is shown: loading typer's help
    renderer costs start-up time that commands do not need.
    """
    from rich.console import Group
    from rich.text import Text
    from typer import rich_utils

    original = getattr(rich_utils, "_get_parameter_help", None)
    if original is None or getattr(original, "stacked", False):
        return

    def stacked(**kwargs: Any) -> Any:
        parts = getattr(original(**kwargs), "renderables", [])
        for part in parts:
            if isinstance(part, Text):
                part.overflow = "fold"  # the options table would cut it with "…"
        return Group(*parts)

    stacked.stacked = True  # type: ignore[attr-defined]  # a marker on the function
    rich_utils._get_parameter_help = stacked
