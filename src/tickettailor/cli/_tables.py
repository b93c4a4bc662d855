"""What a person sees in a table: the few columns that matter per kind of record.

Cells are computed from the record exactly as the API returned it (``.raw``): money
with its currency (cents turned into units), and times with their zone shown, by one
rule: with ``--tz``, every time in that zone; without it, an event's own times (start,
end) in the venue's local time, as the box office shows them, and every other moment
(when an order was placed...) in this computer's zone.

``fit_columns`` chooses which columns fit the terminal's width and how wide each is:
values are never wrapped inside a cell, long free text is cut with an ellipsis, and
the least useful columns are left out when even that does not fit. ``--columns``
picks the columns by title or by field name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "Column",
    "TableZone",
    "columns_for",
    "fit_columns",
    "format_time",
    "money",
    "pick_columns",
    "plain",
]


@dataclass(frozen=True)
class TableZone:
    """The zone for times in tables: ``tz``; ``venue``: an event's times in its venue's."""

    tz: tzinfo
    venue: bool = False


Record = Mapping[str, Any]
Getter = Callable[[Record, TableZone], str]


class Column:
    """A table column: its title and how to read its cell from a raw record."""

    def __init__(
        self, title: str, getter: Getter, *, justify: str = "left", wrap: bool = False
    ) -> None:
        self.title = title
        self.getter = getter
        self.justify = justify
        # Free text that may be cut short to fit; ids, times and amounts never are.
        self.wrap = wrap

    def cell(self, record: Record, zone: TableZone) -> str:
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


def format_time(value: object, zone: TableZone | tzinfo, venue: tzinfo | None = None) -> str:
    """Unix seconds, a date object or an ISO string as ``YYYY-MM-DD HH:MM ZONE``.

    A date object (``{"iso": ..., "unix": ...}``, an event's time) is shown in
    ``venue`` (else its own offset) when ``zone.venue``; everything else in ``zone.tz``.
    """
    zone = zone if isinstance(zone, TableZone) else TableZone(zone)
    moment: datetime | None = None
    target = zone.tz
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int | float):
        moment = datetime.fromtimestamp(value, UTC)
    elif isinstance(value, Mapping) and isinstance(value.get("unix"), int | float):
        moment = datetime.fromtimestamp(value["unix"], UTC)
        if zone.venue:
            target = venue or _own_offset(value.get("iso")) or target
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        if moment.tzinfo is None:  # the API's zone-less strings are UTC (reference §1.6)
            moment = moment.replace(tzinfo=UTC)
    if moment is None:
        return plain(value)
    local = moment.astimezone(target)
    return f"{local:%Y-%m-%d %H:%M} {_zone_name(local)}"


def _own_offset(iso: object) -> tzinfo | None:
    try:
        return datetime.fromisoformat(iso).tzinfo if isinstance(iso, str) else None
    except ValueError:
        return None


def _zone_name(moment: datetime) -> str:
    """``GMT``, ``CET``, ``AST``; ``-04:00`` for a bare offset."""
    name = moment.tzname() or ""
    if name and not name.startswith(("UTC+", "UTC-", "+", "-")):
        return name
    offset = moment.utcoffset()
    if not offset:
        return "UTC"
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def venue_zone(record: Record) -> tzinfo | None:
    """The record's own IANA zone (an event's ``timezone``), if it names one."""
    name = record.get("timezone")
    if not isinstance(name, str) or "/" not in name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


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
    def getter(record: Record, _zone: TableZone) -> str:
        value: Any = record
        for key in path:
            value = value.get(key) if isinstance(value, Mapping) else None
        return plain(value)

    return getter


def _time(*path: str) -> Getter:
    def getter(record: Record, zone: TableZone) -> str:
        value: Any = record
        for key in path:
            value = value.get(key) if isinstance(value, Mapping) else None
        return format_time(value, zone, venue_zone(record))

    return getter


def _buyer(record: Record, _zone: TableZone) -> str:
    buyer = record.get("buyer_details") or {}
    name = buyer.get("name") or " ".join(
        part for part in (buyer.get("first_name"), buyer.get("last_name")) if part
    )
    return str(name or buyer.get("email") or "")


def _order_total(record: Record, _zone: TableZone) -> str:
    return money(record.get("total"), record.get("currency"))


def _holder(record: Record, _zone: TableZone) -> str:
    name = record.get("full_name") or " ".join(
        part for part in (record.get("first_name"), record.get("last_name")) if part
    )
    return str(name or record.get("email") or "")


def _revenue(record: Record, _zone: TableZone) -> str:
    return money(record.get("revenue"), record.get("currency"), minor=False)


def _price(field: str) -> Getter:
    def getter(record: Record, _zone: TableZone) -> str:
        return money(record.get(field), record.get("currency") or record.get("listed_currency"))

    return getter


def _discount_amount(record: Record, _zone: TableZone) -> str:
    percent = record.get("face_value_percentage")
    if percent not in (None, 0, "0"):
        return f"{percent}%"
    amount = record.get("face_value_amount")
    return money(amount) if amount is not None else ""


def _in_out(record: Record, _zone: TableZone) -> str:
    quantity = record.get("quantity")
    return "in" if quantity == 1 else "out" if quantity == -1 else plain(quantity)


def _codes(record: Record, _zone: TableZone) -> str:
    return f"{plain(record.get('available_codes'))}/{plain(record.get('total_codes'))}"


def _venue(record: Record, _zone: TableZone) -> str:
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


# -- choosing columns ------------------------------------------------------------------

GAP = 3  # what the table puts between two columns: padding, a space, padding
MIN_TEXT = 8  # free text is cut to no fewer characters than this


def _field(path: str) -> Getter:
    keys = path.split(".")

    def getter(record: Record, zone: TableZone) -> str:
        value: Any = record
        for key in keys:
            value = value.get(key) if isinstance(value, Mapping) else None
        if isinstance(value, Mapping) and "unix" in value:
            return format_time(value, zone, venue_zone(record))
        return plain(value)

    return getter


def _has_field(record: Record, path: str) -> bool:
    value: Any = record
    for key in path.split("."):
        if not isinstance(value, Mapping) or key not in value:
            return False
        value = value[key]
    return True


def _simple(name: str) -> str:
    return re.sub(r"[\s_-]+", " ", name.strip().lower())


def pick_columns(kind: str | None, record: Record, names: Sequence[str]) -> list[Column]:
    """The columns named in ``--columns``: a table title (``buyer``, ``when``) or a
    field of the record (``buyer_details.email``). An unknown name is a UsageError
    listing what there is."""
    known = {_simple(column.title): column for column in columns_for(kind, record)}
    picked: list[Column] = []
    for name in names:
        column = known.get(_simple(name))
        if column is None and _has_field(record, name.strip()):
            column = Column(name.strip(), _field(name.strip()))
        if column is None:
            from tickettailor import UsageError

            titles = ", ".join(column.title.lower() for column in known.values())
            raise UsageError(
                f"--columns: no column or field {name.strip()!r}. Columns: {titles}; or any "
                "field of the record, e.g. id or buyer_details.email (see --format json)."
            )
        picked.append(column)
    return picked


def fit_columns(columns: Sequence[Column], rows: Sequence[Sequence[str]], width: int) -> list[int]:
    """The width of each column so the table fits ``width`` characters; 0 for a column
    left out. Free text is cut (to no less than ``MIN_TEXT``) before a column is left
    out, and columns are left out from the last, the first one never."""
    natural = [
        max([len(column.title), *(len(row[i]) for row in rows)]) for i, column in enumerate(columns)
    ]
    least = [
        min(natural[i], max(MIN_TEXT, len(column.title))) if column.wrap else natural[i]
        for i, column in enumerate(columns)
    ]
    keep = list(range(len(columns)))
    while len(keep) > 1 and sum(least[i] for i in keep) + GAP * (len(keep) - 1) > width:
        keep.pop()
    widths = [0] * len(columns)
    for i in keep:
        widths[i] = natural[i]
    texts = sorted((i for i in keep if columns[i].wrap), key=lambda i: natural[i])
    room = width - GAP * (len(keep) - 1) - sum(natural[i] for i in keep if not columns[i].wrap)
    # Share the room left among the free-text columns, the narrowest served first.
    for position, i in enumerate(texts):
        share = room // (len(texts) - position)
        widths[i] = max(least[i], min(natural[i], share))
        room -= widths[i]
    return widths


_TIME_CELL = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d) (\S+)$")


def zone_to_title(titles: list[str], rows: list[list[str]]) -> list[str]:
    """Where every time in a column has the same zone, name it once in the title
    (``When (UTC)``) and drop it from the cells (``rows`` is changed in place)."""
    titles = list(titles)
    for i, title in enumerate(titles):
        cells = [row[i] for row in rows if row[i]]
        matches = [_TIME_CELL.match(cell) for cell in cells]
        zones = {match.group(2) for match in matches if match}
        if not cells or None in matches or len(zones) != 1:
            continue
        titles[i] = f"{title} ({zones.pop()})"
        for row in rows:
            found = _TIME_CELL.match(row[i])
            row[i] = found.group(1) if found else row[i]
    return titles
