"""Commands for the other resources: reads, and the writes people do by hand.

issued-tickets (list, get, issue, void), check-ins (list, add by id or barcode),
holds, discounts (list, get, create), vouchers (list, get, create, codes),
event-series, products, waitlist-signups, membership-types, issued-memberships, and
``overview``.
"""

from __future__ import annotations

import sys
import uuid
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

import typer

from tickettailor.cli._context import (
    EXIT_USAGE,
    ColumnsOption,
    FormatOption,
    emit_record,
    emit_records,
    fail,
    get_client,
    user_tz,
)
from tickettailor.cli._help import PANEL_MORE, PANEL_RECORDS, epilog
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

# Every command group of this module, in the order `register` adds them.
_GROUPS: list[tuple[str, typer.Typer]] = []


def _group(name: str, help_text: str, *examples: str) -> typer.Typer:
    shown = examples or (f"{name} list --limit 10",)
    group = typer.Typer(
        help=help_text,
        no_args_is_help=True,
        epilog=epilog(*(f"tickettailor {example}" for example in shown)),
    )
    _GROUPS.append((name, group))
    return group


def _clean(filters: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in filters.items() if value is not None}


def _add_get(
    group: typer.Typer, command: str, resource: str, kind: str, id_name: str, example: str
) -> None:
    """Register ``<command> get ID`` for ``client.<resource>.get``."""

    @group.command("get", epilog=epilog(f"tickettailor {command} get {example}"))
    def get_one(
        ctx: typer.Context,
        # A default, not Annotated: the metavar comes from this function's arguments.
        record_id: str = typer.Argument(..., metavar=id_name, help=f"The id ({example}...)."),
        fmt: FormatOption = None,
    ) -> None:
        """Show one record."""
        found = getattr(get_client(ctx), resource).get(record_id)
        emit_record(found, fmt, kind=kind, zone=user_tz(ctx))


def _add_list(group: typer.Typer, command: str, resource: str, kind: str, noun: str) -> None:
    """Register ``<command> list`` (no filters) for ``client.<resource>.list``."""

    @group.command("list", epilog=epilog(f"tickettailor {command} list --limit 20"))
    def list_all(
        ctx: typer.Context,
        limit: LimitOption = None,
        fmt: FormatOption = None,
        columns: ColumnsOption = None,
    ) -> None:
        """List records across all pages, oldest first (that is how the API lists them)."""
        records = getattr(get_client(ctx), resource).list(limit=limit)
        emit_records(records, fmt, kind=kind, zone=user_tz(ctx), noun=noun, columns=columns)


def _major_to_minor(option: str, text: str) -> int:
    """``"5"`` or ``"5.50"`` (in the currency's main unit) as minor units (cents)."""
    try:
        amount = Decimal(text.strip())
    except InvalidOperation:
        amount = Decimal("NaN")
    cents = amount * 100
    if not amount.is_finite() or amount < 0 or cents != cents.to_integral_value():
        fail(
            f"{option} {text!r} is not an amount: write it in the currency's main unit "
            "with at most 2 decimals, e.g. 5 or 12.50.",
            EXIT_USAGE,
        )
    return int(cents)


# -- issued tickets ----------------------------------------------------------------------

issued_tickets = _group(
    "issued-tickets",
    "Issued tickets: list, get, issue, void.",
    "issued-tickets list --event ev_1",
    "issued-tickets void it_1",
)
_add_get(issued_tickets, "issued-tickets", "issued_tickets", "issued_ticket", "TICKET_ID", "it_1")


@issued_tickets.command(
    "list",
    help=f"List issued tickets across all pages, {OLDEST_FIRST}; --newest for the newest "
    f"first.\n\n{DATE_HELP}",
    epilog=epilog(
        "tickettailor issued-tickets list --event ev_1 --status valid",
        "tickettailor issued-tickets list --barcode AB12CD --format json",
    ),
)
def list_issued_tickets(
    ctx: typer.Context,
    event: Annotated[
        list[str] | None, text_option("--event", "Event id (repeat, or a comma list).", "ID")
    ] = None,
    series: Annotated[
        list[str] | None, text_option("--series", "Event series id (repeat, or commas).", "ID")
    ] = None,
    order: Annotated[
        list[str] | None, text_option("--order", "Order id (repeat, or a comma list).", "ID")
    ] = None,
    status: Annotated[str | None, text_option("--status", "valid or voided.", "STATUS")] = None,
    barcode: Annotated[
        str | None, text_option("--barcode", "The ticket's barcode.", "BARCODE")
    ] = None,
    email: Annotated[str | None, text_option("--email", "The holder's email.", "EMAIL")] = None,
    name: Annotated[str | None, text_option("--name", "The holder's name.", "NAME")] = None,
    reference: Annotated[
        str | None, text_option("--reference", "Your reference on the ticket.", "TEXT")
    ] = None,
    created_gte: Annotated[
        str | None, date_option("--created-gte", "Issued on or after DATE.")
    ] = None,
    created_lt: Annotated[str | None, date_option("--created-lt", "Issued before DATE.")] = None,
    newest: NewestOption = False,
    limit: LimitOption = None,
    fmt: FormatOption = None,
    columns: ColumnsOption = None,
) -> None:
    filters = dated_filters(
        ctx,
        {"--created-gte": ("created_gte", created_gte), "--created-lt": ("created_lt", created_lt)},
    )
    filters |= _clean(
        {
            "event_id": id_list(event),
            "event_series_id": id_list(series),
            "order_id": id_list(order),
            "status": status,
            "barcode": barcode,
            "email": email,
            "name": name,
            "reference": reference,
        }
    )
    records = get_client(ctx).issued_tickets.list(limit=limit, newest_first=newest, **filters)
    emit_records(
        records,
        fmt,
        kind="issued_ticket",
        zone=user_tz(ctx),
        noun="issued tickets",
        columns=columns,
    )


@issued_tickets.command(
    "issue",
    epilog=epilog(
        "tickettailor issued-tickets issue --event ev_1 --ticket-type tt_1 --name 'Ada Lovelace'",
        "tickettailor issued-tickets issue --hold ho_1 --name 'Guest' --email g@example.com",
    ),
)
def issue_ticket(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", metavar="NAME", help="The holder's full name.")],
    event: Annotated[
        str | None, text_option("--event", "Event id (with --ticket-type).", "ID")
    ] = None,
    ticket_type: Annotated[
        str | None, text_option("--ticket-type", "Ticket type id (with --event).", "ID")
    ] = None,
    hold: Annotated[
        str | None, text_option("--hold", "Issue from this hold instead.", "ID")
    ] = None,
    email: Annotated[str | None, text_option("--email", "The holder's email.", "EMAIL")] = None,
    send_email: Annotated[
        bool, typer.Option("--send-email", help="Email the ticket to them.")
    ] = False,
    barcode: Annotated[
        str | None, text_option("--barcode", "Barcode to use (default: generated).", "BARCODE")
    ] = None,
    reference: Annotated[
        str | None, text_option("--reference", "Your own reference.", "TEXT")
    ] = None,
    fmt: FormatOption = None,
) -> None:
    """Issue a ticket outside any order (uses one box-office credit, even when free)."""
    if hold is None and (event is None or ticket_type is None):
        fail("Say where the ticket comes from: --event and --ticket-type, or --hold.", EXIT_USAGE)
    if hold is not None and (event is not None or ticket_type is not None):
        fail("Give either --hold, or --event with --ticket-type, not both.", EXIT_USAGE)
    fields = _clean(
        {
            "event_id": event,
            "ticket_type_id": ticket_type,
            "hold_id": hold,
            "full_name": name,
            "email": email,
            "send_email": send_email or None,
            "barcode": barcode,
            "reference": reference,
        }
    )
    ticket = get_client(ctx).issued_tickets.create(**fields)
    emit_record(ticket, fmt, kind="issued_ticket", zone=user_tz(ctx))


@issued_tickets.command(
    "void",
    epilog=epilog(
        "tickettailor issued-tickets void it_1",
        "tickettailor issued-tickets void it_1 --to-hold --yes",
    ),
)
def void_ticket(
    ctx: typer.Context,
    ticket_id: Annotated[str, typer.Argument(metavar="TICKET_ID", help="The issued ticket's id.")],
    to_hold: Annotated[bool, typer.Option("--to-hold", help="Put the seat in a new hold.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    fmt: FormatOption = None,
) -> None:
    """Void a ticket. This cannot be undone, and refunds nothing."""
    if not yes and sys.stdin.isatty():
        typer.confirm(f"Void {ticket_id}? This cannot be undone", abort=True)
    result = get_client(ctx).issued_tickets.void(ticket_id, void_to_hold=to_hold or None)
    emit_record(result, fmt, kind=None, zone=user_tz(ctx))


# -- check-ins ---------------------------------------------------------------------------

check_ins = _group(
    "check-ins",
    "Check-ins: list them, or check a ticket in or out.",
    "check-ins add AB12CD --event ev_1",
    "check-ins list --event ev_1",
)


@check_ins.command(
    "list",
    epilog=epilog(
        "tickettailor check-ins list --event ev_1",
        "tickettailor check-ins list --ticket it_1 --format json",
    ),
)
def list_check_ins(
    ctx: typer.Context,
    event: Annotated[
        list[str] | None, text_option("--event", "Event id (repeat, or a comma list).", "ID")
    ] = None,
    series: Annotated[
        list[str] | None, text_option("--series", "Event series id (repeat, or commas).", "ID")
    ] = None,
    ticket: Annotated[
        list[str] | None, text_option("--ticket", "Issued ticket id (repeat, or commas).", "ID")
    ] = None,
    limit: LimitOption = None,
    fmt: FormatOption = None,
    columns: ColumnsOption = None,
) -> None:
    """List check-ins across all pages, oldest first (that is how the API lists them)."""
    filters = _clean(
        {
            "event_id": id_list(event),
            "event_series_id": id_list(series),
            "issued_ticket_id": id_list(ticket),
        }
    )
    records = get_client(ctx).check_ins.list(limit=limit, **filters)
    emit_records(
        records, fmt, kind="check_in", zone=user_tz(ctx), noun="check-ins", columns=columns
    )


@check_ins.command(
    "add",
    epilog=epilog(
        "tickettailor check-ins add it_1",
        "tickettailor check-ins add AB12CD --event ev_1",
        "tickettailor check-ins add it_1 --out",
    ),
)
def add_check_in(
    ctx: typer.Context,
    ticket: Annotated[
        str,
        typer.Argument(metavar="TICKET", help="The issued ticket's id (it_...) or its barcode."),
    ],
    event: Annotated[
        str | None, text_option("--event", "With a barcode: the event it is for.", "ID")
    ] = None,
    out: Annotated[bool, typer.Option("--out", help="Check out instead of in.")] = False,
    at: Annotated[str | None, date_option("--at", "When it happened (default: now).")] = None,
    fmt: FormatOption = None,
) -> None:
    """Check a ticket in (or out), by its id or its barcode."""
    options = dated_filters(ctx, {"--at": ("check_in_at", at)})
    client = get_client(ctx)
    ticket_id = ticket if ticket.startswith("it_") else _ticket_by_barcode(client, ticket, event)
    # A key of our own lets the library retry safely: the API records it once.
    check_in = client.check_ins.create(
        ticket_id, quantity=-1 if out else 1, local_unique_id=uuid.uuid4().hex, **options
    )
    emit_record(check_in, fmt, kind="check_in", zone=user_tz(ctx))


def _ticket_by_barcode(client: Any, barcode: str, event: str | None) -> str:
    filters = _clean({"barcode": barcode, "event_id": event, "status": "valid"})
    found = list(client.issued_tickets.list(limit=2, **filters))
    if not found:
        where = f" for {event}" if event else ""
        fail(
            f"No valid ticket with barcode {barcode!r}{where}: check the code, or give the "
            "ticket id (it_...).",
            EXIT_USAGE,
        )
    if len(found) > 1:
        fail(
            f"Several tickets have barcode {barcode!r}: add --event EVENT_ID, or give the "
            "ticket id (it_...).",
            EXIT_USAGE,
        )
    return str(found[0].id)


# -- holds -------------------------------------------------------------------------------

holds = _group("holds", "Holds (seats kept off sale): list, get.")
_add_get(holds, "holds", "holds", "hold", "HOLD_ID", "ho_1")


@holds.command("list", epilog=epilog("tickettailor holds list --event ev_1"))
def list_holds(
    ctx: typer.Context,
    event: Annotated[
        list[str] | None, text_option("--event", "Event id (repeat, or a comma list).", "ID")
    ] = None,
    newest: NewestOption = False,
    limit: LimitOption = None,
    fmt: FormatOption = None,
    columns: ColumnsOption = None,
) -> None:
    """List holds across all pages, oldest first (that is how the API lists them);
    --newest for the newest first."""
    filters = _clean({"event_id": id_list(event)})
    records = get_client(ctx).holds.list(limit=limit, newest_first=newest, **filters)
    emit_records(records, fmt, kind="hold", zone=user_tz(ctx), noun="holds", columns=columns)


# -- discounts ---------------------------------------------------------------------------

discounts = _group(
    "discounts",
    "Discount codes: list, get, create.",
    "discounts create --name Summer --code SUMMER10 --percent 10",
)
_add_get(discounts, "discounts", "discounts", "discount", "DISCOUNT_ID", "di_1")


@discounts.command("list", epilog=epilog("tickettailor discounts list --code SUMMER"))
def list_discounts(
    ctx: typer.Context,
    code: Annotated[str | None, text_option("--code", "The discount code.", "CODE")] = None,
    limit: LimitOption = None,
    fmt: FormatOption = None,
    columns: ColumnsOption = None,
) -> None:
    """List discounts across all pages."""
    records = get_client(ctx).discounts.list(limit=limit, **_clean({"code": code}))
    emit_records(
        records, fmt, kind="discount", zone=user_tz(ctx), noun="discounts", columns=columns
    )


@discounts.command(
    "create",
    epilog=epilog(
        "tickettailor discounts create --name Summer --code SUMMER10 --percent 10",
        "tickettailor discounts create --name Friends --code FRIEND --amount 5 "
        "--ticket-type tt_1 --max-redemptions 20 --expires 2026-12-31",
    ),
)
def create_discount(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", metavar="NAME", help="Name shown to you.")],
    code: Annotated[str, typer.Option("--code", metavar="CODE", help="The code buyers type.")],
    percent: Annotated[
        float | None,
        typer.Option(
            "--percent",
            min=0,
            max=100,
            metavar="PERCENT",
            help="Percent off the ticket price.",
            show_default=False,
        ),
    ] = None,
    amount: Annotated[
        str | None,
        text_option(
            "--amount", "Fixed amount off each ticket, in the main unit (e.g. 5 or 2.50).", "AMOUNT"
        ),
    ] = None,
    ticket_type: Annotated[
        list[str] | None,
        text_option("--ticket-type", "Only for this ticket type (repeat; default: all).", "ID"),
    ] = None,
    max_redemptions: Annotated[
        int | None,
        typer.Option(
            "--max-redemptions",
            min=1,
            metavar="N",
            help="At most this many orders.",
            show_default=False,
        ),
    ] = None,
    expires: Annotated[str | None, date_option("--expires", "Stops working at DATE.")] = None,
    fmt: FormatOption = None,
) -> None:
    """Create a discount code: --percent N or --amount X off each ticket."""
    if (percent is None) == (amount is None):
        fail("Give exactly one of --percent (e.g. 10) or --amount (e.g. 5.00).", EXIT_USAGE)
    fields: dict[str, Any] = {"name": name, "code": code}
    if percent is not None:
        fields |= {"type": "percentage", "price_percent": percent}
    else:
        fields |= {"type": "fixed_amount", "price": _major_to_minor("--amount", str(amount))}
    fields |= dated_filters(ctx, {"--expires": ("expires", expires)})
    fields |= _clean({"max_redemptions": max_redemptions, "ticket_type_ids": id_list(ticket_type)})
    created = get_client(ctx).discounts.create(**fields)
    emit_record(created, fmt, kind="discount", zone=user_tz(ctx))


# -- vouchers ----------------------------------------------------------------------------

vouchers = _group(
    "vouchers",
    "Vouchers (promo codes and gift cards): list, get, create, codes.",
    "vouchers list",
    "vouchers codes vo_1",
)
_add_list(vouchers, "vouchers", "vouchers", "voucher", "vouchers")
_add_get(vouchers, "vouchers", "vouchers", "voucher", "VOUCHER_ID", "vo_1")


@vouchers.command(
    "create",
    epilog=epilog(
        "tickettailor vouchers create --name 'Launch' --value 10 --code LAUNCH1 --code LAUNCH2",
        "tickettailor vouchers create --name 'Gift' --value 25 --type gift-card",
    ),
)
def create_voucher(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", metavar="NAME", help="Name shown to you.")],
    value: Annotated[
        str,
        typer.Option("--value", metavar="AMOUNT", help="Value in the main unit, e.g. 10 or 12.50."),
    ],
    kind: Annotated[
        str, typer.Option("--type", metavar="TYPE", help="promo or gift-card.")
    ] = "promo",
    code: Annotated[
        list[str] | None, text_option("--code", "A promo code (repeat).", "CODE")
    ] = None,
    series: Annotated[
        list[str] | None, text_option("--series", "Only for this series (repeat).", "ID")
    ] = None,
    expiry: Annotated[str | None, date_option("--expiry", "Stops working at DATE.")] = None,
    fmt: FormatOption = None,
) -> None:
    """Create a voucher with its codes."""
    types = {"promo": "PROMO", "gift-card": "GIFT_CARD", "gift_card": "GIFT_CARD"}
    voucher_type = types.get(kind.strip().lower())
    if voucher_type is None:
        fail(f"--type {kind!r} is not one of: promo, gift-card.", EXIT_USAGE)
    fields: dict[str, Any] = {
        "name": name,
        "value": _major_to_minor("--value", value),
        "voucher_type": voucher_type,
    }
    fields |= dated_filters(ctx, {"--expiry": ("expiry", expiry)})
    fields |= _clean({"codes": id_list(code), "event_series_ids": id_list(series)})
    created = get_client(ctx).vouchers.create(**fields)
    emit_record(created, fmt, kind="voucher", zone=user_tz(ctx))


@vouchers.command("codes", epilog=epilog("tickettailor vouchers codes vo_1"))
def list_voucher_codes(
    ctx: typer.Context,
    voucher_id: Annotated[str, typer.Argument(metavar="VOUCHER_ID", help="The voucher's id.")],
    limit: LimitOption = None,
    fmt: FormatOption = None,
    columns: ColumnsOption = None,
) -> None:
    """List a voucher's codes."""
    records = get_client(ctx).vouchers.list_codes(voucher_id, limit=limit)
    emit_records(
        records, fmt, kind="voucher_code", zone=user_tz(ctx), noun="voucher codes", columns=columns
    )


# -- event series ----------------------------------------------------------------------

event_series = _group("event-series", "Event series (what events are occurrences of).")
_add_get(event_series, "event-series", "event_series", "event_series", "SERIES_ID", "es_1")


@event_series.command("list", epilog=epilog("tickettailor event-series list --status published"))
def list_event_series(
    ctx: typer.Context,
    status: Annotated[
        list[str] | None,
        text_option(
            "--status", "draft, published or sales_closed (repeat, or a comma list).", "STATUS"
        ),
    ] = None,
    name: Annotated[str | None, text_option("--name", "The series' name.", "NAME")] = None,
    venue: Annotated[str | None, text_option("--venue", "The venue's name.", "NAME")] = None,
    limit: LimitOption = None,
    fmt: FormatOption = None,
    columns: ColumnsOption = None,
) -> None:
    """List event series across all pages, oldest first (as the API lists them)."""
    filters = _clean({"status": id_list(status), "name": name, "venue": venue})
    records = get_client(ctx).event_series.list(limit=limit, **filters)
    emit_records(
        records, fmt, kind="event_series", zone=user_tz(ctx), noun="event series", columns=columns
    )


# -- products, waitlists, memberships ---------------------------------------------------

products = _group("products", "Products sold alongside tickets: list, get.")
_add_list(products, "products", "products", "product", "products")
_add_get(products, "products", "products", "product", "PRODUCT_ID", "pr_1")

waitlist = _group(
    "waitlist-signups", "Waitlist signups of an event series.", "waitlist-signups list es_1"
)


@waitlist.command("list", epilog=epilog("tickettailor waitlist-signups list es_1"))
def list_waitlist(
    ctx: typer.Context,
    series_id: Annotated[str, typer.Argument(metavar="SERIES_ID", help="The event series' id.")],
    limit: LimitOption = None,
    fmt: FormatOption = None,
    columns: ColumnsOption = None,
) -> None:
    """List the waitlist signups of one event series."""
    records = get_client(ctx).waitlist_signups.list(series_id, limit=limit)
    emit_records(
        records, fmt, kind="waitlist_signup", zone=user_tz(ctx), noun="signups", columns=columns
    )


membership_types = _group("membership-types", "Membership types: list, get.")
_add_list(membership_types, "membership-types", "membership_types", "membership_type", "types")
_add_get(
    membership_types, "membership-types", "membership_types", "membership_type", "TYPE_ID", "mt_1"
)

issued_memberships = _group("issued-memberships", "Issued memberships: list, get.")
_add_list(
    issued_memberships,
    "issued-memberships",
    "issued_memberships",
    "issued_membership",
    "memberships",
)
_add_get(
    issued_memberships,
    "issued-memberships",
    "issued_memberships",
    "issued_membership",
    "MEMBERSHIP_ID",
    "im_1",
)


def overview(ctx: typer.Context, fmt: FormatOption = None) -> None:
    """Show the box office's overview (name, currency, recent totals)."""
    emit_record(get_client(ctx).overview(), fmt, kind="overview", zone=user_tz(ctx))


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app`` (called by ``cli/main.py``)."""
    for name, group in _GROUPS:
        app.add_typer(group, name=name, rich_help_panel=PANEL_MORE)
    app.command(
        "overview",
        rich_help_panel=PANEL_RECORDS,
        epilog=epilog(
            "tickettailor overview", "tickettailor --profile shop overview --format json"
        ),
    )(overview)
