"""SQLite schema: one set of tables per box office (table names prefixed ``b<n>_``).

Rows hold compact columns; the JSON is rendered per request (each api/<resource>.py), so a million
orders stay a few hundred megabytes. Numeric ids are the rowid, so a page is a range
scan on the primary key. Everything is mutable in place (issue 5 writes here).
"""

from __future__ import annotations

from typing import Any, NamedTuple

TABLES = (
    "box(k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID",
    """series(id INTEGER PRIMARY KEY, created_at INT, status TEXT, name TEXT, venue TEXT,
        attrs TEXT)""",
    """ticket_types(id INTEGER PRIMARY KEY, series_id INT, name TEXT, price INT,
        booking_fee INT, sort_order INT, max_per_order INT, min_per_order INT, type TEXT,
        status TEXT, capacity INT)""",
    """events(id INTEGER PRIMARY KEY, series_id INT, created_at INT, start_at INT,
        end_at INT, status TEXT, hidden TEXT, override_id INT, total_orders INT,
        total_issued INT, total_holds INT, revenue_cents INT, chk TEXT)""",
    """inventory(event_id INT, tt_id INT, total INT, issued INT, held INT, in_baskets INT,
        PRIMARY KEY(event_id, tt_id)) WITHOUT ROWID""",
    """orders(id INTEGER PRIMARY KEY, created_at INT, event_id INT, series_id INT,
        status TEXT, first_name TEXT, last_name TEXT, email TEXT, phone TEXT,
        referral_tag TEXT, txn_id TEXT, pay INT, subtotal INT, tax INT, total INT,
        total_paid INT, refund_amount INT, status_message TEXT, items TEXT)""",
    """tickets(id INTEGER PRIMARY KEY, order_id INT, event_id INT, series_id INT,
        tt_id INT, created_at INT, updated_at INT, voided_at INT, status TEXT,
        checked_in INT, first_name TEXT, last_name TEXT, email TEXT, reference TEXT,
        barcode TEXT, source TEXT DEFAULT 'checkout', price INT)""",
    """check_ins(id INTEGER PRIMARY KEY, created_at INT, check_in_at INT, event_id INT,
        series_id INT, ticket_id INT, quantity INT DEFAULT 1)""",
    """objects(kind TEXT, id INT, created_at INT, updated_at INT, parent_id INT,
        event_id INT, code TEXT, body TEXT, PRIMARY KEY(kind, id)) WITHOUT ROWID""",
)

# Built after a bulk load (faster than maintaining them row by row).
INDEXES = (
    "orders_event ON orders(event_id)",
    "orders_email ON orders(email COLLATE NOCASE)",
    "tickets_order ON tickets(order_id)",
    "tickets_event ON tickets(event_id)",
    # Generated tickets leave barcode and holder name/email NULL (derived from the id and
    # the order), so these partial indexes only hold tickets issued with their own.
    "tickets_barcode ON tickets(barcode) WHERE barcode IS NOT NULL",
    "tickets_email ON tickets(email COLLATE NOCASE) WHERE email IS NOT NULL",
    "check_ins_event ON check_ins(event_id)",
    "check_ins_ticket ON check_ins(ticket_id)",
    "events_series ON events(series_id)",
    "ticket_types_series ON ticket_types(series_id)",
    "objects_parent ON objects(kind, parent_id)",
    "objects_event ON objects(kind, event_id)",
)


def create_statements(prefix: str) -> list[str]:
    return [f"CREATE TABLE {prefix}{t}" for t in TABLES]


def index_statements(prefix: str) -> list[str]:
    out = []
    for spec in INDEXES:
        name, rest = spec.split(" ON ", 1)
        out.append(f"CREATE INDEX IF NOT EXISTS {prefix}{name} ON {prefix}{rest}")
    return out


# ---- the rows, named -------------------------------------------------------------------
# One NamedTuple per table, its fields in the table's column order. Code selects
# ``columns(SomeRow)`` and reads rows as ``SomeRow`` (View.rows), so the SELECT list and the
# names used to read a row come from one place.


class SeriesRow(NamedTuple):
    id: int
    created_at: int
    status: str
    name: str
    venue: str  # JSON: [name, postal code, country]
    attrs: str | None  # JSON: fields written through the API (description)


class TicketTypeRow(NamedTuple):
    id: int
    series_id: int
    name: str
    price: int
    booking_fee: int
    sort_order: int
    max_per_order: int
    min_per_order: int
    type: str
    status: str
    capacity: int


class EventRow(NamedTuple):
    id: int
    series_id: int
    created_at: int
    start_at: int
    end_at: int
    status: str
    hidden: str
    override_id: int | None
    total_orders: int
    total_issued: int
    total_holds: int
    revenue_cents: int
    chk: str


class Seats(NamedTuple):
    """An inventory row without its key: the seats of one ticket type at one event."""

    total: int
    issued: int
    held: int
    in_baskets: int


class OrderRow(NamedTuple):
    id: int
    created_at: int
    event_id: int
    series_id: int | None
    status: str
    first_name: str
    last_name: str
    email: str
    phone: str | None
    referral_tag: str | None
    txn_id: str
    pay: int  # index into the box office's payment methods; -1 for no cost
    subtotal: int | None  # NULL for generated orders: derived from the items
    tax: int | None
    total: int
    total_paid: int | None
    refund_amount: int
    status_message: str | None
    items: str  # "line_item_id:ticket_type_id:quantity:value:fee;..."


class TicketRow(NamedTuple):
    id: int
    order_id: int | None
    event_id: int
    series_id: int | None
    tt_id: int
    created_at: int
    updated_at: int
    voided_at: int | None
    status: str
    checked_in: int
    first_name: str | None  # NULL for generated tickets: the order's buyer
    last_name: str | None
    email: str | None
    reference: str | None
    barcode: str | None  # NULL for generated tickets: derived from the id
    source: str
    price: int | None


class CheckInRow(NamedTuple):
    id: int
    created_at: int
    check_in_at: int
    event_id: int
    series_id: int | None
    ticket_id: int
    quantity: int


class ObjectRow(NamedTuple):
    """A row of ``objects``: the records kept as a JSON body (holds, discounts, ...)."""

    kind: str
    id: int
    created_at: int
    updated_at: int
    parent_id: int | None
    event_id: int | None
    code: str | None
    body: str


def columns(row: Any) -> str:
    """The SELECT list for a row type (a NamedTuple class): its field names in order."""
    return ", ".join(row._fields)
