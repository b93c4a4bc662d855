"""Secrets given to the CLI without showing them in ``ps``: an option, its variable, or a file.

``--secret``, ``--webhook-secret`` and ``--sink-secret`` each have an environment
variable (``TICKETTAILOR_WEBHOOK_SECRET``, ``TICKETTAILOR_SINK_SECRET``) and a
``...-file PATH`` option. The file holds the secret alone; surrounding whitespace
(the final newline an editor adds) is ignored. A file beats the variable; a file and
the option both on the command line are a usage error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from tickettailor.cli._context import EXIT_USAGE, fail

PS_WARNING = "Other users may see command lines: prefer ${env} or {option}-file."


def secret_option(option: str, env: str, text: str) -> Any:
    """A ``--...-secret`` option read from ``env`` too, its help warning about ``ps``."""
    return typer.Option(
        option,
        envvar=env,
        show_envvar=True,
        metavar="SECRET",
        help=f"{text} {PS_WARNING.format(env=env, option=option)}",
        show_default=False,
    )


def secret_file_option(option: str) -> Any:
    """The ``OPTION-file PATH`` twin of a secret option."""
    return typer.Option(
        f"{option}-file",
        metavar="PATH",
        help=f"Read {option} from this file (the secret alone; spaces around it ignored).",
        show_default=False,
    )


def resolve_secret(
    ctx: typer.Context,
    value: str | None,
    path: Path | None,
    *,
    param: str,
    option: str,
    file_option: str,
) -> str | None:
    """The secret from ``path`` if given, else ``value`` (option or variable)."""
    if path is None:
        return value
    source = ctx.get_parameter_source(param)
    if value is not None and source is not None and source.name == "COMMANDLINE":
        fail(f"give {option} or {file_option}, not both", EXIT_USAGE)
    try:
        text = path.read_text("utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not UTF-8 text"
        fail(f"{file_option} {path}: cannot read it ({reason})", EXIT_USAGE)
    if not text:
        fail(f"{file_option} {path} is empty: put the secret in it", EXIT_USAGE)
    return text
