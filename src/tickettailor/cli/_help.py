"""Help text helpers: every command's ``--help`` ends with examples."""

from __future__ import annotations

from rich.markup import escape


def epilog(*examples: str) -> str:
    """An "Examples" section for a command's ``--help`` (rich markup, escaped)."""
    # typer's rich help keeps paragraphs split by blank lines and joins single lines.
    lines = "\n\n".join(f"  $ {escape(example)}" for example in examples)
    return f"[bold]Examples[/bold]\n\n{lines}"
