"""What a person sees in a table: the few columns that matter per kind of record.

Cells are computed from the record exactly as the API returned it (``.raw``): money
with its currency (cents turned into units), times in the user's time zone.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, tzinfo
from decimal import Decimal
from typing import Any

__all__ = ["Column", "columns_for", "format_time", "money", "plain"]

Record = Mapping[str, Any]
Getter = Callable[[Record, tzinfo], str]


class Column:
    """A table column: its title and how to read its cell from a raw record."""

    def __init__(
        self, title: str, getter: Getter, *, justify: str = "left", wrap: bool = False
    ) -> None:
        self.title = title
        self.getter = getter
        self.justify = justify
        self.wrap = wrap  # long free text wraps; ids, times and amounts never do

    def cell(self, record: Record, zone: tzinfo) -> str:
        try:
            return self.getter(record, zone)
        except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError):
            return ""  # a field missing or of an unexpected type: leave the cell empty


def plain(value: object) -> str:
    """A value as one line of text: nested values as compact JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def format_time(value: object, zone: tzinfo) -> str:
    """Unix seconds, a date object or an ISO string as ``YYYY-MM-DD HH:MM`` in ``zone``."""
    moment: datetime | None = None
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int | float):
        moment = datetime.fromtimestamp(value, UTC)
    elif isinstance(value, Mapping) and isinstance(value.get("unix"), int | float):
        moment = datetime.fromtimestamp(value["unix"], UTC)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        if moment.tzinfo is None:  # the API's zone-less strings are UTC (reference §1.6)
            moment = moment.replace(tzinfo=UTC)
    if moment is None:
        return plain(value)
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _currency(value: object) -> tuple[str, int]:
    """(upper-case code, minor units per unit) from any of the API's currency shapes."""
    if isinstance(value, Mapping):
        code = str(value.get("code") or "")
        multiplier = value.get("base_multiplier")
        return code.upper(), int(multiplier) if isinstance(multiplier, int) and multiplier else 100
    return (str(value).upper() if value else ""), 100


def money(amount: object, currency: object = None, *, minor: bool = True) -> str:
    """``1450`` + ``gbp`` as ``14.50 GBP``; ``minor=False`` for major-unit amounts."""
    if amount is None or isinstance(amount, bool) or not isinstance(amount, int | float):
        return ""
    code, multiplier = _currency(currency)
    value = Decimal(str(amount))
    if minor:
        places = len(str(multiplier)) - 1
        value = (value / multiplier).quantize(Decimal(1).scaleb(-places))
    else:
        value = value.quantize(Decimal("0.01"))
    return f"{value} {code}".strip()


def _get(*path: str) -> Getter:
    def getter(record: Record, _zone: tzinfo) -> str:
        value: Any = record
        for key in path:
            value = value.get(key) if isinstance(value, Mapping) else None
        return plain(value)

    return getter


def _time(*path: str) -> Getter:
    def getter(record: Record, zone: tzinfo) -> str:
        value: Any = record
        for key in path:
            value = value.get(key) if isinstance(value, Mapping) else None
        return format_time(value, zone)

    return getter


def _buyer(record: Record, _zone: tzinfo) -> str:
    buyer = record.get("buyer_details") or {}
    name = buyer.get("name") or " ".join(
        part for part in (buyer.get("first_name"), buyer.get("last_name")) if part
    )
    return str(name or buyer.get("email") or "")


def _order_total(record: Record, _zone: tzinfo) -> str:
    return money(record.get("total"), record.get("currency"))


def _holder(record: Record, _zone: tzinfo) -> str:
    name = record.get("full_name") or " ".join(
        part for part in (record.get("first_name"), record.get("last_name")) if part
    )
    return str(name or record.get("email") or "")


def _revenue(record: Record, _zone: tzinfo) -> str:
    return money(record.get("revenue"), record.get("currency"), minor=False)


def _price(field: str) -> Getter:
    def getter(record: Record, _zone: tzinfo) -> str:
        return money(record.get(field), record.get("currency") or record.get("listed_currency"))

    return getter


def _discount_amount(record: Record, _zone: tzinfo) -> str:
    percent = record.get("face_value_percentage")
    if percent not in (None, 0, "0"):
        return f"{percent}%"
    amount = record.get("face_value_amount")
    return money(amount) if amount is not None else ""


def _in_out(record: Record, _zone: tzinfo) -> str:
    quantity = record.get("quantity")
    return "in" if quantity == 1 else "out" if quantity == -1 else plain(quantity)


def _codes(record: Record, _zone: tzinfo) -> str:
    return f"{plain(record.get('available_codes'))}/{plain(record.get('total_codes'))}"


def _venue(record: Record, _zone: tzinfo) -> str:
    venue = record.get("venue") or {}
    return str(venue.get("name") or "") if isinstance(venue, Mapping) else plain(venue)


_COLUMNS: dict[str, list[Column]] = {
    "order": [
        Column("ID", _get("id")),
        Column("When", _time("created_at")),
        Column("Buyer", _buyer, wrap=True),
        Column("Event", _get("event_summary", "name"), wrap=True),
        Column("Total", _order_total, justify="right"),
        Column("Status", _get("status")),
    ],
    "event": [
        Column("ID", _get("id")),
        Column("Starts", _time("start")),
        Column("Name", _get("name"), wrap=True),
        Column("Venue", _venue, wrap=True),
        Column("Status", _get("status")),
        Column("Issued", _get("total_issued_tickets"), justify="right"),
        Column("Revenue", _revenue, justify="right"),
    ],
    "event_series": [
        Column("ID", _get("id")),
        Column("Name", _get("name"), wrap=True),
        Column("Next", _time("next_occurrence_date")),
        Column("Venue", _venue, wrap=True),
        Column("Status", _get("status")),
        Column("Upcoming", _get("upcoming_occurrences"), justify="right"),
    ],
    "issued_ticket": [
        Column("ID", _get("id")),
        Column("When", _time("created_at")),
        Column("Holder", _holder, wrap=True),
        Column("Ticket", _get("description"), wrap=True),
        Column("Event", _get("event_id")),
        Column("Barcode", _get("barcode")),
        Column("Status", _get("status")),
        Column("In", _get("checked_in")),
    ],
    "check_in": [
        Column("ID", _get("id")),
        Column("When", _time("check_in_at")),
        Column("Ticket", _get("issued_ticket_id")),
        Column("Event", _get("event_id")),
        Column("In/out", _in_out),
    ],
    "hold": [
        Column("ID", _get("id")),
        Column("When", _time("created_at")),
        Column("Event", _get("event_id")),
        Column("Note", _get("note"), wrap=True),
        Column("Held", _get("total_on_hold"), justify="right"),
    ],
    "discount": [
        Column("ID", _get("id")),
        Column("Code", _get("code")),
        Column("Name", _get("name"), wrap=True),
        Column("Type", _get("type")),
        Column("Off", _discount_amount, justify="right"),
        Column("Used", _get("times_redeemed"), justify="right"),
        Column("Max", _get("max_redemptions"), justify="right"),
        Column("Expires", _time("expires")),
    ],
    "voucher": [
        Column("ID", _get("id")),
        Column("Name", _get("name"), wrap=True),
        Column("Type", _get("type")),
        Column("Value", _price("value"), justify="right"),
        Column("Codes left", _codes, justify="right"),
        Column("Expires", _time("expiry")),
    ],
    "voucher_code": [
        Column("ID", _get("id")),
        Column("Code", _get("code")),
        Column("Value", lambda r, _z: money(r.get("value")), justify="right"),
        Column("Expires", _time("expiry")),
        Column("Used", _get("used")),
    ],
    "product": [
        Column("ID", _get("id")),
        Column("Name", _get("name"), wrap=True),
        Column("Price", _price("price"), justify="right"),
        Column("Status", _get("status")),
        Column("Left", _get("quantity"), justify="right"),
    ],
    "waitlist_signup": [
        Column("ID", _get("id")),
        Column("When", _time("created_at")),
        Column("Email", _get("email")),
        Column("Event", _get("event_id")),
    ],
    "membership_type": [
        Column("ID", _get("id")),
        Column("Name", _get("name"), wrap=True),
        Column("Valid from", _get("valid_from_type")),
        Column("Valid to", _get("valid_to_type")),
        Column("Max uses", _get("max_redemptions"), justify="right"),
    ],
    "issued_membership": [
        Column("ID", _get("id")),
        Column("Code", _get("code")),
        Column("Holder", _holder, wrap=True),
        Column("Type", _get("membership_type_name")),
        Column("Valid to", _time("valid_to")),
        Column("Valid", _get("is_valid")),
    ],
    "overview": [
        Column("Box office", _get("box_office_name")),
        Column("Period", _get("period")),
        Column("Orders", _get("orders_received"), justify="right"),
        Column("Tickets", _get("total_issued_tickets"), justify="right"),
        Column(
            "Revenue",
            lambda r, _z: money(r.get("revenue"), r.get("currency"), minor=False),
            justify="right",
        ),
    ],
    "connection": [
        Column("Name", _get("name"), wrap=True),
        Column("Default", lambda r, _z: "*" if r.get("default") else ""),
        Column("Key", lambda r, _z: "…" + str(r.get("key_last4") or "")),
        Column("Base URL", _get("base_url")),
    ],
}

_GENERIC = [
    Column("ID", _get("id")),
    Column("Object", _get("object")),
    Column("Created", _time("created_at")),
    Column("Name", _get("name"), wrap=True),
    Column("Status", _get("status")),
]


def columns_for(kind: str | None, record: Record | None = None) -> list[Column]:
    """The table columns for ``kind`` (or for the record's ``object``), generic if unknown."""
    if kind in _COLUMNS:
        return _COLUMNS[kind]
    if record is not None and record.get("object") in _COLUMNS:
        return _COLUMNS[str(record["object"])]
    return _GENERIC
