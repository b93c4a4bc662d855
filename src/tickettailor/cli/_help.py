"""Help text helpers: every command's ``--help`` ends with examples."""

from __future__ import annotations

from rich.markup import escape

# Sections of `tickettailor --help`, so the commands read in the order people need them.
PANEL_CONNECT = "Connect a box office"
PANEL_RECORDS = "Orders, events and any API call"
PANEL_MORE = "More resources"


def epilog(*examples: str) -> str:
    """An "Examples" section for a command's ``--help`` (rich markup, escaped)."""
    # typer's rich help keeps paragraphs split by blank lines and joins single lines.
    lines = "\n\n".join(f"  $ {escape(example)}" for example in examples)
    return f"[bold]Examples[/bold]\n\n{lines}"
