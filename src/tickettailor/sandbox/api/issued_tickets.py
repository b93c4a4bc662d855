"""Issued tickets (reference §3.5): the list and its filters, one ticket, issuing one
(from inventory or a hold) and voiding one. Orders embed their tickets (orders.py)."""

# ruff: noqa: S608  (SQL text is built from internal table names only; values are bound parameters)
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tickettailor.sandbox.api import holds
from tickettailor.sandbox.api.events import BY_SERIES, series_of_events
from tickettailor.sandbox.api.inventory import available, counts, event_row, ticket_type_row
from tickettailor.sandbox.api.reading import Resource, View, get_one, marks
from tickettailor.sandbox.api.routes import Endpoint, listing, single, write
from tickettailor.sandbox.api.shapes import SBOOL
from tickettailor.sandbox.api.ticket_types import names_and_prices
from tickettailor.sandbox.api.writing import (
    COMMON_READ_ONLY,
    Change,
    bad,
    keep_time_order,
    path_id,
    take_id,
    voided,
)
from tickettailor.sandbox.errors import ApiError, not_found
from tickettailor.sandbox.forms import Form
from tickettailor.sandbox.generate import barcode as derived_barcode
from tickettailor.sandbox.generate import barcode_ticket
from tickettailor.sandbox.params import (
    Filter,
    Where,
    enum_filter,
    id_list_filter,
    like,
    parse_id,
    text_filter,
    time_filter,
)
from tickettailor.sandbox.schema import TicketRow, columns

COLUMNS = columns(TicketRow)
Buyer = tuple[str | None, str | None, str | None]  # first name, last name, email


# ---- rendering ----------------------------------------------------------------------
@dataclass
class Lookups:
    """Related rows a page needs: ticket types (name, price), each event's series, and
    each order's buyer. Generated rows leave such derivable columns NULL."""

    ticket_types: dict[int, tuple[str, int]] = field(default_factory=dict)
    series_of: dict[int, int] = field(default_factory=dict)
    buyers: dict[int, Buyer] = field(default_factory=dict)


def render(view: View, row: TicketRow, look: Lookups) -> dict[str, Any]:
    settings = view.settings
    tid, order_id, eid, tt_id = row.id, row.order_id, row.event_id, row.tt_id
    first, last, email = row.first_name, row.last_name, row.email
    if first is None and last is None and email is None and order_id in look.buyers:
        first, last, email = look.buyers[order_id]  # generated: the buyer holds it
    full = f"{first} {last}" if first is not None and last is not None else first or last
    barcode = row.barcode
    if barcode is None:  # generated: derived from the id
        barcode = derived_barcode(tid, settings.box["salt"])
    tt_name, price = look.ticket_types.get(tt_id, ("", 0))
    if row.price is not None:
        price = row.price
    sid = row.series_id
    if sid is None:
        sid = look.series_of.get(eid)
    url_key = f"{tid}/{barcode.lower()}{tid % 9973:04x}"
    return {
        "object": "issued_ticket",
        "id": f"it_{tid}",
        "add_on_id": None,
        "barcode": barcode,
        "barcode_url": f"https://www.tickettailor.com/userfiles/cache/barcode/qr/attendee/{url_key}",
        "checked_in": SBOOL[row.checked_in],
        "created_at": row.created_at,
        "custom_questions": [],
        "description": tt_name,
        "email": email,
        "event_id": f"ev_{eid}",
        "event_series_id": f"es_{sid}",
        "first_name": first,
        "full_name": full,
        "group_ticket_barcode": None,
        "last_name": last,
        "listed_currency": dict(settings.currency_obj),
        "listed_price": price,
        "order_id": None if order_id is None else f"or_{order_id}",
        "qr_code_url": f"https://www.tickettailor.com/userfiles/cache/barcode/st/attendee/{url_key}",
        "reference": row.reference,
        "reservation": None,
        "source": row.source,
        "status": row.status,
        "ticket_type_id": f"tt_{tt_id}",
        "updated_at": row.updated_at,
        "voided_at": row.voided_at,
    }


def render_rows(view: View, rows: list[TicketRow]) -> list[dict[str, Any]]:
    look = Lookups(
        ticket_types=names_and_prices(view, {ticket.tt_id for ticket in rows}),
        series_of=series_of_events(view, {ticket.event_id for ticket in rows}),
    )
    order_ids = sorted(
        {ticket.order_id for ticket in rows if ticket.order_id is not None and ticket.email is None}
    )
    if order_ids:
        for oid, first, last, email in view.query(
            f"SELECT id, first_name, last_name, email FROM {{p}}orders "
            f"WHERE id IN ({marks(order_ids)})",
            order_ids,
        ):
            look.buyers[oid] = (first, last, email)
    return [render(view, ticket, look) for ticket in rows]


# ---- filters ------------------------------------------------------------------------
# Generated tickets store no holder: NULL name/email mean the order's buyer.
_EMAIL = (
    "(email = ? COLLATE NOCASE OR (email IS NULL AND order_id IN "
    "(SELECT id FROM {p}orders WHERE email = ? COLLATE NOCASE)))"
)
_NAME = (
    "((first_name || ' ' || last_name) LIKE ? ESCAPE '\\' OR (first_name IS NULL AND "
    "order_id IN (SELECT id FROM {p}orders WHERE (first_name || ' ' || last_name) "
    "LIKE ? ESCAPE '\\')))"
)
BARCODE = "((id = ? AND barcode IS NULL) OR barcode = ?)"  # on the tickets table


def barcode_filter(sql: str) -> Filter:
    """Generated barcodes are derived from the ticket id, so invert the code to an id;
    tickets issued with their own barcode store it."""

    def apply(where: Where, _name: str, value: str) -> None:
        ticket = barcode_ticket(value, int(where.box.get("salt", 0)))
        where.add(sql, -1 if ticket is None else ticket, value)

    return Filter(("barcode",), apply)


ISSUED_TICKETS = Resource(
    "issued_tickets", "it", "tickets", TicketRow,
    (
        time_filter("created_at", "created_at", id_range=True),
        id_list_filter("event_id", "event_id", "ev"),
        id_list_filter("event_series_id", "series_id", "es", BY_SERIES),
        id_list_filter("order_id", "order_id", "or"),
        barcode_filter(BARCODE),
        text_filter("name", _NAME, like),
        text_filter("email", _EMAIL),
        text_filter("reference", "reference = ?"),
        enum_filter("status", "status", {"valid": "valid", "voided": "voided"}),
    ),
    render_rows,
)  # fmt: skip


# ---- operations ---------------------------------------------------------------------
@dataclass
class Holder:
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None

    @classmethod
    def from_full_name(cls, full_name: str | None, email: str | None) -> Holder:
        if not full_name:
            return cls(None, None, email)
        first, _, last = full_name.strip().partition(" ")
        return cls(first, last.strip() or None, email)


def issue_ticket(
    change: Change,
    event_id: int,
    tt_id: int | None,
    holder: Holder,
    *,
    barcode: str | None = None,
    reference: str | None = None,
    hold_id: int | None = None,
) -> int:
    """A ticket straight from the event's inventory (or from a hold): no order,
    ``source: "api"``. Fails for seated types and when nothing is left."""
    event = event_row(change, event_id)
    if hold_id is not None:
        tt_id = holds.take_from_hold(change, hold_id, tt_id)
    assert tt_id is not None  # the endpoint requires one of them
    tt = ticket_type_row(change, tt_id)
    if tt is None or tt.series_id != event.series_id:
        raise bad("ticket_type_id", f"Ticket type tt_{tt_id} is not sold at event ev_{event_id}.")
    if tt.type == "Seated":
        raise bad("ticket_type_id", "Tickets of a seated ticket type cannot be issued via the API.")
    if hold_id is None and available(change, event_id, tt_id) < 1:
        raise bad("ticket_type_id", f"There are no tickets left of tt_{tt_id} for ev_{event_id}.")
    if barcode is not None and change.one("SELECT 1 FROM {p}tickets WHERE barcode = ?", (barcode,)):
        raise bad("barcode", "This barcode is already in use by another issued ticket.")
    tid = take_id(change, "it")
    keep_time_order(change, "tickets", change.now)
    change.execute(
        "INSERT INTO {p}tickets(id, order_id, event_id, series_id, tt_id, created_at, "
        "updated_at, voided_at, status, checked_in, first_name, last_name, email, reference, "
        "barcode, source, price) VALUES (?,NULL,?,?,?,?,?,NULL,'valid',0,?,?,?,?,?,'api',?)",
        (
            tid,
            event_id,
            event.series_id,
            tt_id,
            change.now,
            change.now,
            holder.first_name,
            holder.last_name,
            holder.email,
            reference,
            barcode,
            tt.price,
        ),
    )
    counts(change, event_id, tt_id, issued=1)
    change.emit("ISSUED_TICKET.CREATED", "issued_tickets", tid)
    return tid


def ticket_row(view: View, ticket_id: int) -> TicketRow:
    """The ticket, or the API's 404."""
    found = view.row(TicketRow, f"SELECT {COLUMNS} FROM {{p}}tickets WHERE id = ?", (ticket_id,))
    if found is None:
        raise not_found()
    return found


def void_ticket(change: Change, ticket_id: int, *, to_hold: bool = False) -> int | None:
    """Void one ticket (no refund, the order stays); returns the new hold's id."""
    ticket = ticket_row(change, ticket_id)
    if ticket.status == "voided":
        raise bad("issued_ticket_id", f"Issued ticket it_{ticket_id} is already voided.")
    void(change, ticket_id, ticket.event_id, ticket.tt_id)
    if not to_hold:
        return None
    note = f"Voided ticket it_{ticket_id}"
    return holds.create_hold(change, ticket.event_id, note, {ticket.tt_id: 1})


def void(change: Change, ticket_id: int, event_id: int, tt_id: int) -> None:
    """Mark a valid ticket voided and give its seat back."""
    change.execute(
        "UPDATE {p}tickets SET status = 'voided', voided_at = ?, updated_at = ? WHERE id = ?",
        (change.now, change.now, ticket_id),
    )
    counts(change, event_id, tt_id, issued=-1)
    change.emit("ISSUED_TICKET.UPDATED", "issued_tickets", ticket_id)


# ---- write endpoints ----------------------------------------------------------------
_READ_ONLY = COMMON_READ_ONLY | {
    "status",
    "source",
    "order_id",
    "checked_in",
    "voided_at",
    "barcode_url",
    "qr_code_url",
    "event_series_id",
    "listed_price",
    "listed_currency",
}


def create(change: Change, form: Form, _ids: tuple[str, ...]) -> Any:
    """Either ``event_id`` + ``ticket_type_id`` or ``hold_id`` (reference §3.5)."""
    form.read_only(_READ_ONLY)
    event_raw, tt_raw, hold_raw = (form.text(n) for n in ("event_id", "ticket_type_id", "hold_id"))
    full_name = form.text("full_name", required=True, max_length=255)
    email = form.text("email", max_length=255)
    barcode = form.text("barcode", max_length=32)
    reference = form.text("reference", max_length=255)
    form.flag("send_email")
    if barcode is not None and not barcode.isalnum():
        form.error("barcode", "A barcode is letters and digits only.", barcode)
    hold_id = parse_id(hold_raw, "ho") if hold_raw else None
    tt_id = parse_id(tt_raw, "tt") if tt_raw else None
    event_id = parse_id(event_raw, "ev") if event_raw else None
    if hold_raw and hold_id is None:
        form.error("hold_id", "Value must be a hold id like ho_123.", hold_raw)
    if hold_raw is None and (event_raw is None or tt_raw is None):
        form.error("event_id", "Send event_id and ticket_type_id, or hold_id.")
    if event_raw and event_id is None:
        form.error("event_id", "Value must be an event id like ev_123.", event_raw)
    if tt_raw and tt_id is None:
        form.error("ticket_type_id", "Value must be a ticket type id like tt_123.", tt_raw)
    form.check()
    if hold_id is not None:
        try:
            hold_event = holds.hold_row(change, hold_id)[0]
        except ApiError:
            raise bad("hold_id", f"Hold {hold_raw} does not exist.") from None
        if event_id is not None and event_id != hold_event:
            raise bad("hold_id", f"Hold {hold_raw} is for another event.")
        event_id = hold_event
    assert event_id is not None  # checked above
    holds.require_event(change, event_id)
    holder = Holder.from_full_name(full_name, email)
    tid = issue_ticket(
        change, event_id, tt_id, holder, barcode=barcode, reference=reference, hold_id=hold_id
    )
    return get_one(change, ISSUED_TICKETS, f"it_{tid}")


def void_endpoint(change: Change, form: Form, ids: tuple[str, ...]) -> Any:
    tid = path_id(ids[0], "it")
    to_hold = form.flag("void_to_hold")
    form.check()
    hold_id = void_ticket(change, tid, to_hold=bool(to_hold))
    out: dict[str, Any] = voided("it", tid, "issued_ticket")
    if hold_id is not None:
        out["hold_id"] = f"ho_{hold_id}"
    return out


ROUTES: list[Endpoint] = [
    listing("issued_tickets", ISSUED_TICKETS),
    single("issued_tickets/{id}", ISSUED_TICKETS),
    write("POST", "issued_tickets", "issued_tickets", create, 201),
    write("POST", "issued_tickets/{id}/void", "issued_tickets", void_endpoint),
]
