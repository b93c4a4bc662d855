"""``tickettailor orders list|get``: the List Orders and Get an Order modules."""

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
    NewestOption,
    date_option,
    dated_filters,
    id_list,
    text_option,
)

orders = typer.Typer(
    help="Orders: list them (oldest first, or --newest) or get one.",
    no_args_is_help=True,
    epilog=epilog("tickettailor orders list --created-at today", "tickettailor orders get or_123"),
)


@orders.command(
    "list",
    help=f"List orders across all pages, {OLDEST_FIRST}; --newest for the newest "
    f"first.\n\n{DATE_HELP}",
    epilog=epilog(
        "tickettailor orders list --newest --limit 5",
        "tickettailor orders list --created-at 2026-11-20",
        "tickettailor orders list --created-gte -7d --status completed --limit 50",
        "tickettailor orders list --event ev_1 --format csv > orders.csv",
    ),
)
def list_orders(
    ctx: typer.Context,
    created_at: Annotated[
        str | None,
        date_option("--created-at", "Created on this day (a date) or at this exact instant."),
    ] = None,
    created_gt: Annotated[str | None, date_option("--created-gt", "Created after DATE.")] = None,
    created_gte: Annotated[
        str | None, date_option("--created-gte", "Created on or after DATE.")
    ] = None,
    created_lt: Annotated[str | None, date_option("--created-lt", "Created before DATE.")] = None,
    created_lte: Annotated[
        str | None, date_option("--created-lte", "Created on or before DATE.")
    ] = None,
    event: Annotated[
        list[str] | None, text_option("--event", "Event id (repeat, or a comma list).", "ID")
    ] = None,
    series: Annotated[
        list[str] | None,
        text_option("--series", "Event series id (repeat, or a comma list).", "ID"),
    ] = None,
    status: Annotated[
        str | None, text_option("--status", "completed, pending or cancelled.", "STATUS")
    ] = None,
    email: Annotated[str | None, text_option("--email", "The buyer's email.", "EMAIL")] = None,
    name: Annotated[str | None, text_option("--name", "The buyer's name.", "NAME")] = None,
    barcode: Annotated[
        str | None, text_option("--barcode", "The order holding this ticket barcode.", "BARCODE")
    ] = None,
    newest: NewestOption = False,
    limit: LimitOption = None,
    fmt: FormatOption = None,
    columns: ColumnsOption = None,
) -> None:
    filters = dated_filters(
        ctx,
        {
            "--created-at": ("created_at", created_at),
            "--created-gt": ("created_gt", created_gt),
            "--created-gte": ("created_gte", created_gte),
            "--created-lt": ("created_lt", created_lt),
            "--created-lte": ("created_lte", created_lte),
        },
    )
    extra = {
        "event_id": id_list(event),
        "event_series_id": id_list(series),
        "status": status,
        "email": email,
        "name": name,
        "barcode": barcode,
    }
    filters.update({key: value for key, value in extra.items() if value is not None})
    records = get_client(ctx).orders.list(limit=limit, newest_first=newest, **filters)
    emit_records(records, fmt, kind="order", zone=user_tz(ctx), noun="orders", columns=columns)


@orders.command(
    "get",
    epilog=epilog("tickettailor orders get or_123", "tickettailor orders get or_123 --format json"),
)
def get_order(
    ctx: typer.Context,
    order_id: Annotated[str, typer.Argument(metavar="ORDER_ID", help="The order's id (or_...).")],
    fmt: FormatOption = None,
) -> None:
    """Show one order."""
    emit_record(get_client(ctx).orders.get(order_id), fmt, kind="order", zone=user_tz(ctx))


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app`` (called by ``cli/main.py``)."""
    app.add_typer(orders, name="orders", rich_help_panel=PANEL_RECORDS)
