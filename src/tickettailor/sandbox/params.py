"""Query parameters the way the real API (PHP) sees them, and the list filters."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus, unquote_plus

from tickettailor.sandbox.errors import TIMESTAMP_MESSAGE, validation

_TIME_OPS = {"": "=", "_gt": ">", "_gte": ">=", "_lt": "<", "_lte": "<="}
_INT = re.compile(r"[0-9]{1,12}")
_ID = re.compile(r"([a-z]{2})_([0-9]{1,18})")


def parse_query(raw: str) -> dict[str, str]:
    """Name -> value in first-seen order, last value wins, like PHP's ``$_GET``.

    PHP turns ``.`` and spaces in names into ``_`` before the application sees them,
    which is why ``created_at.gte`` and ``created_at_gte`` are the same parameter.
    """
    out: dict[str, str] = {}
    for part in raw.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        name = unquote_plus(name).replace(".", "_").replace(" ", "_")
        if not name:
            continue
        out[name] = unquote_plus(value)
    return out


def php_urlencode(value: str) -> str:
    """``http_build_query`` encoding: space as ``+``, everything but ``A-Za-z0-9-_.``
    percent-encoded (so ``,`` is ``%2C`` and ``~`` is ``%7E``)."""
    return quote_plus(value, safe="").replace("~", "%7E")


def parse_id(value: str, prefix: str) -> int | None:
    match = _ID.fullmatch(value)
    if match is None or match.group(1) != prefix:
        return None
    return int(match.group(2))


@dataclass
class Where:
    """SQL conditions collected from the filters, plus the validation errors found."""

    conds: list[str] = field(default_factory=list)
    args: list[Any] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    # created_at bounds, inclusive, for tables whose time order is id order
    time_lo: int | None = None
    time_hi: int | None = None
    empty: bool = False  # some filter can match nothing
    store_id: str | None = None
    box: dict[str, Any] = field(default_factory=dict)  # the box office's settings

    def add(self, cond: str, *args: Any) -> None:
        self.conds.append(cond)
        self.args.extend(args)

    def error(self, field_name: str, message: str, value: str | None = None) -> None:
        item: dict[str, Any] = {"field": field_name}
        if value is not None:
            item["value"] = value
        item["messages"] = [message]
        self.errors.append(item)

    def raise_errors(self) -> None:
        if self.errors:
            raise validation(self.errors)


Apply = Callable[[Where, str, str], None]


@dataclass(frozen=True)
class Filter:
    """One recognised parameter family: ``names`` it answers to, ``apply`` adds SQL."""

    names: tuple[str, ...]
    apply: Apply


def time_filter(name: str, column: str, *, id_range: bool = False) -> Filter:
    """``f``, ``f_gt``, ``f_gte``, ``f_lt``, ``f_lte`` in unix seconds.

    With ``id_range`` the bounds are kept aside (``Where.time_lo/hi``) so the caller can
    turn them into an id range on tables whose time order is id order.
    """

    def apply(where: Where, pname: str, value: str) -> None:
        if not _INT.fullmatch(value):
            where.error(pname, TIMESTAMP_MESSAGE, value if value else None)
            return
        moment = int(value)
        op = _TIME_OPS[pname[len(name) :]]
        if id_range:
            lo = {"=": moment, ">": moment + 1, ">=": moment}.get(op)
            hi = {"=": moment, "<": moment - 1, "<=": moment}.get(op)
            if lo is not None:
                where.time_lo = lo if where.time_lo is None else max(where.time_lo, lo)
            if hi is not None:
                where.time_hi = hi if where.time_hi is None else min(where.time_hi, hi)
        else:
            where.add(f"{column} {op} ?", moment)

    return Filter(tuple(name + suffix for suffix in _TIME_OPS), apply)


def id_list_filter(
    name: str, column: str, prefix: str, template: str = "{column} IN ({marks})"
) -> Filter:
    """A comma list of ids; an id of the wrong shape simply matches nothing.
    ``template`` may route the list through another table (``{marks}`` = placeholders)."""

    def apply(where: Where, _pname: str, value: str) -> None:
        ids = [parse_id(part.strip(), prefix) for part in value.split(",") if part.strip()]
        good = [oid for oid in ids if oid is not None]
        if not good:
            where.empty = True
            return
        where.add(template.format(column=column, marks=",".join("?" * len(good))), *good)

    return Filter((name,), apply)


def enum_filter(name: str, column: str, aliases: dict[str, str]) -> Filter:
    """A comma list of allowed values (case-insensitive); ``aliases`` maps each
    accepted spelling to the stored value."""

    def apply(where: Where, pname: str, value: str) -> None:
        wanted = []
        for part in value.split(","):
            key = part.strip().lower()
            if key not in aliases:
                allowed = ", ".join(sorted(set(aliases)))
                where.error(pname, f"Value must be one of: {allowed}.", value)
                return
            wanted.append(aliases[key])
        where.add(f"{column} IN ({','.join('?' * len(wanted))})", *wanted)

    return Filter((name,), apply)


def text_filter(name: str, sql: str, transform: Callable[[str], str] = str) -> Filter:
    """Every ``?`` in ``sql`` takes the (transformed) value."""

    def apply(where: Where, _pname: str, value: str) -> None:
        where.add(sql, *[transform(value)] * sql.count("?"))

    return Filter((name,), apply)


def like(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def apply_filters(
    params: dict[str, str], filters: Sequence[Filter], box: dict[str, Any] | None = None
) -> Where:
    where = Where(box=box or {})
    by_name = {name: found for found in filters for name in found.names}
    for pname, value in params.items():
        found = by_name.get(pname)
        if found is None:
            continue
        if value == "" and not pname.startswith(_time_family(found)):
            continue  # an empty filter is as good as none
        found.apply(where, pname, value)
    return where


def _time_family(found: Filter) -> str:
    # time filters reject empty values ("Value must be a UNIX timestamp in seconds.")
    return found.names[0] if len(found.names) == len(_TIME_OPS) else "\0"


def recognised(params: dict[str, str], filters: Sequence[Filter]) -> list[tuple[str, str]]:
    names = {name for found in filters for name in found.names} | {"limit"}
    return [(key, value) for key, value in params.items() if key in names]
