"""Options several commands share, and turning typed dates into library arguments."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from tickettailor.cli._context import parse_date

__all__ = [
    "DATE_HELP",
    "OLDEST_FIRST",
    "LimitOption",
    "NewestOption",
    "date_option",
    "dated_filters",
    "id_list",
    "text_option",
]

DATE_HELP = (
    "DATE is 2026-11-20 (a whole day where it makes sense), 2026-11-20T18:30 with or "
    "without an offset, unix seconds, now, today, yesterday, or -7d / -3h. Naive times are "
    "UTC unless --tz is given."
)

# Said in the help of each list command: people expect the newest first.
OLDEST_FIRST = "oldest first (that is how the API lists them)"

NewestOption = Annotated[
    bool,
    typer.Option(
        "--newest",
        help="Newest first: walks back from now in time windows, so the newest few cost "
        "a request or two.",
    ),
]

LimitOption = Annotated[
    int | None,
    typer.Option(
        "--limit",
        "-n",
        min=1,
        metavar="N",
        help="Stop after this many records in total (not a page size). Default: all.",
        show_default=False,
    ),
]


def date_option(flag: str, help_text: str) -> Any:
    """A ``--flag DATE`` option (read with ``dated_filters``)."""
    return typer.Option(flag, help=help_text, metavar="DATE", show_default=False)


def text_option(flag: str, help_text: str, metavar: str) -> Any:
    """A plain optional ``--flag VALUE`` (repeatable when typed as a list); ``metavar``
    names what to type (``ID``, ``EMAIL``...) in ``--help``."""
    return typer.Option(flag, help=help_text, metavar=metavar, show_default=False)


def id_list(values: list[str] | None) -> list[str] | None:
    """Repeated options and comma lists as one list of ids (None when none given)."""
    if not values:
        return None
    ids = [part.strip() for value in values for part in value.split(",") if part.strip()]
    return ids or None


def dated_filters(ctx: typer.Context, options: dict[str, tuple[str, str | None]]) -> dict[str, Any]:
    """``{"--created-gte": ("created_gte", text)}`` -> ``{"created_gte": text}``.

    Each date is read here first so an unreadable one is reported with the option
    that carried it (exit 2); the library then applies the same reading (and ``--tz``)
    to the text, which keeps "a bare date is the whole day" for ``--created-at``.
    """
    filters: dict[str, Any] = {}
    for option, (name, text) in options.items():
        if text is None:
            continue
        parse_date(ctx, option, text)
        filters[name] = text
    return filters
