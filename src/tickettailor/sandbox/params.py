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
    m = _ID.fullmatch(value)
    if m is None or m.group(1) != prefix:
        return None
    return int(m.group(2))


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

    def apply(w: Where, pname: str, value: str) -> None:
        if not _INT.fullmatch(value):
            w.error(pname, TIMESTAMP_MESSAGE, value if value else None)
            return
        t = int(value)
        op = _TIME_OPS[pname[len(name) :]]
        if id_range:
            lo = {"=": t, ">": t + 1, ">=": t}.get(op)
            hi = {"=": t, "<": t - 1, "<=": t}.get(op)
            if lo is not None:
                w.time_lo = lo if w.time_lo is None else max(w.time_lo, lo)
            if hi is not None:
                w.time_hi = hi if w.time_hi is None else min(w.time_hi, hi)
        else:
            w.add(f"{column} {op} ?", t)

    return Filter(tuple(name + suffix for suffix in _TIME_OPS), apply)


def id_list_filter(
    name: str, column: str, prefix: str, template: str = "{column} IN ({marks})"
) -> Filter:
    """A comma list of ids; an id of the wrong shape simply matches nothing.
    ``template`` may route the list through another table (``{marks}`` = placeholders)."""

    def apply(w: Where, _pname: str, value: str) -> None:
        ids = [parse_id(v.strip(), prefix) for v in value.split(",") if v.strip()]
        good = [i for i in ids if i is not None]
        if not good:
            w.empty = True
            return
        w.add(template.format(column=column, marks=",".join("?" * len(good))), *good)

    return Filter((name,), apply)


def enum_filter(name: str, column: str, aliases: dict[str, str]) -> Filter:
    """A comma list of allowed values (case-insensitive); ``aliases`` maps each
    accepted spelling to the stored value."""

    def apply(w: Where, pname: str, value: str) -> None:
        wanted = []
        for v in value.split(","):
            key = v.strip().lower()
            if key not in aliases:
                allowed = ", ".join(sorted(set(aliases)))
                w.error(pname, f"Value must be one of: {allowed}.", value)
                return
            wanted.append(aliases[key])
        w.add(f"{column} IN ({','.join('?' * len(wanted))})", *wanted)

    return Filter((name,), apply)


def text_filter(name: str, sql: str, transform: Callable[[str], str] = str) -> Filter:
    """Every ``?`` in ``sql`` takes the (transformed) value."""

    def apply(w: Where, _pname: str, value: str) -> None:
        w.add(sql, *[transform(value)] * sql.count("?"))

    return Filter((name,), apply)


def like(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def apply_filters(
    params: dict[str, str], filters: Sequence[Filter], box: dict[str, Any] | None = None
) -> Where:
    w = Where(box=box or {})
    by_name = {n: f for f in filters for n in f.names}
    for pname, value in params.items():
        f = by_name.get(pname)
        if f is None:
            continue
        if value == "" and not pname.startswith(_time_family(f)):
            continue  # an empty filter is as good as none
        f.apply(w, pname, value)
    return w


def _time_family(f: Filter) -> str:
    # time filters reject empty values ("Value must be a UNIX timestamp in seconds.")
    return f.names[0] if len(f.names) == len(_TIME_OPS) else "\0"


def recognised(params: dict[str, str], filters: Sequence[Filter]) -> list[tuple[str, str]]:
    names = {n for f in filters for n in f.names} | {"limit"}
    return [(k, v) for k, v in params.items() if k in names]
