"""``tickettailor events list|get``: the List Events and Get an Event modules."""

from __future__ import annotations

from typing import Annotated

import typer

from tickettailor.cli._context import (
    ColumnsOption,
    FormatOption,
    emit_record,
    emit_records,
    get_client,
    user_tz,
)
from tickettailor.cli._help import PANEL_RECORDS, epilog
from tickettailor.cli._options import (
    DATE_HELP,
    OLDEST_FIRST,
    LimitOption,
    date_option,
    dated_filters,
    id_list,
    text_option,
)

events = typer.Typer(
    help="Events (occurrences): list them across all pages, or get one.",
    no_args_is_help=True,
    epilog=epilog("tickettailor events list --limit 10", "tickettailor events get ev_1"),
)


@events.command(
    "list",
    help=f"List events across all pages, {OLDEST_FIRST}.\n\n{DATE_HELP}",
    epilog=epilog(
        "tickettailor events list --limit 10",
        "tickettailor events list --status published --start-gte today",
        "tickettailor events list --series es_1 --format json",
    ),
)
def list_events(
    ctx: typer.Context,
    series: Annotated[
        list[str] | None,
        text_option("--series", "Event series id (repeat, or a comma list).", "ID"),
    ] = None,
    status: Annotated[
        list[str] | None,
        text_option(
            "--status", "draft, published or sales_closed (repeat, or a comma list).", "STATUS"
        ),
    ] = None,
    name: Annotated[str | None, text_option("--name", "The event's name.", "NAME")] = None,
    venue: Annotated[str | None, text_option("--venue", "The venue's name.", "NAME")] = None,
    start_at: Annotated[
        str | None, date_option("--start-at", "Starting on this day or at this instant.")
    ] = None,
    start_gt: Annotated[str | None, date_option("--start-gt", "Starting after DATE.")] = None,
    start_gte: Annotated[
        str | None, date_option("--start-gte", "Starting on or after DATE.")
    ] = None,
    start_lt: Annotated[str | None, date_option("--start-lt", "Starting before DATE.")] = None,
    start_lte: Annotated[
        str | None, date_option("--start-lte", "Starting on or before DATE.")
    ] = None,
    end_at: Annotated[
        str | None, date_option("--end-at", "Ending on this day or at this instant.")
    ] = None,
    end_gt: Annotated[str | None, date_option("--end-gt", "Ending after DATE.")] = None,
    end_gte: Annotated[str | None, date_option("--end-gte", "Ending on or after DATE.")] = None,
    end_lt: Annotated[str | None, date_option("--end-lt", "Ending before DATE.")] = None,
    end_lte: Annotated[str | None, date_option("--end-lte", "Ending on or before DATE.")] = None,
    limit: LimitOption = None,
    fmt: FormatOption = None,
    columns: ColumnsOption = None,
) -> None:
    filters = dated_filters(
        ctx,
        {
            "--start-at": ("start_at", start_at),
            "--start-gt": ("start_at_gt", start_gt),
            "--start-gte": ("start_at_gte", start_gte),
            "--start-lt": ("start_at_lt", start_lt),
            "--start-lte": ("start_at_lte", start_lte),
            "--end-at": ("end_at", end_at),
            "--end-gt": ("end_at_gt", end_gt),
            "--end-gte": ("end_at_gte", end_gte),
            "--end-lt": ("end_at_lt", end_lt),
            "--end-lte": ("end_at_lte", end_lte),
        },
    )
    extra = {
        "event_series_id": id_list(series),
        "status": id_list(status),
        "name": name,
        "venue": venue,
    }
    filters.update({key: value for key, value in extra.items() if value is not None})
    records = get_client(ctx).events.list(limit=limit, **filters)
    emit_records(records, fmt, kind="event", zone=user_tz(ctx), noun="events", columns=columns)


@events.command(
    "get",
    epilog=epilog("tickettailor events get ev_1", "tickettailor events get ev_1 --format json"),
)
def get_event(
    ctx: typer.Context,
    event_id: Annotated[str, typer.Argument(metavar="EVENT_ID", help="The event's id (ev_...).")],
    fmt: FormatOption = None,
) -> None:
    """Show one event."""
    emit_record(get_client(ctx).events.get(event_id), fmt, kind="event", zone=user_tz(ctx))


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app`` (called by ``cli/main.py``)."""
    app.add_typer(events, name="events", rich_help_panel=PANEL_RECORDS)
