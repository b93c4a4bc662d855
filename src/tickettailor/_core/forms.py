"""Form bodies with PHP bracket semantics, the only request body the API reads.

``encode_form`` turns Python values into the ``(name, value)`` pairs of an
``application/x-www-form-urlencoded`` body:

- a list is ``k[]=a&k[]=b`` (``codes[]``, ``event_series_ids[]``); a list that holds
  lists or mappings uses indices, ``k[0][x]=1``, because ``k[][x]`` is ambiguous to PHP;
- a mapping is ``k[id]=v``, nested as deep as needed: ``ticket_type_id[tt_1]=2`` for
  holds and for scoping a discount (the only form the API honours on create, see the
  reference's trap T3);
- booleans are ``true``/``false``; datetimes and dates are unix seconds (naive means
  UTC; a date is its midnight UTC); numbers are their decimal text;
- ``None``, empty strings and empty containers are omitted: the API rejects empty
  values (``Value must be a UNIX timestamp in seconds.``) and an absent field means
  "unchanged".

``decode_php_form`` reads such pairs back the way PHP does, for tests and tools.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any
from urllib.parse import parse_qsl

from tickettailor._core.dates import to_unix
from tickettailor._core.errors import UsageError

__all__ = ["decode_php_form", "encode_form"]

Pairs = list[tuple[str, str]]


def encode_form(data: Mapping[str, object]) -> Pairs:
    """``data`` as form pairs in PHP bracket syntax, in the order given."""
    pairs: Pairs = []
    for name, value in data.items():
        _encode(_check_key(name, ""), value, pairs)
    return pairs


def _encode(name: str, value: object, pairs: Pairs) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            _encode(f"{name}[{_check_key(key, name)}]", item, pairs)
    elif isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else list(value)
        nested = any(isinstance(item, Mapping | list | tuple) for item in items)
        index = 0
        for item in items:
            before = len(pairs)
            _encode(f"{name}[{index if nested else ''}]", item, pairs)
            # Count only items that were sent, so indices stay 0..n-1 without gaps.
            index += len(pairs) > before
    else:
        text = _scalar(name, value)
        if text:
            pairs.append((name, text))


def _scalar(name: str, value: object) -> str | None:
    """The text of one value; None or "" means "leave the field out"."""
    if value is None:
        return None
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        return _number(name, value)
    if isinstance(value, date):  # datetime included
        return str(to_unix(value))
    raise UsageError(
        f"Form field {name!r} cannot hold a {type(value).__name__}: give text, a number, "
        "a bool, a date or datetime, a list or a mapping."
    )


def _number(name: str, value: float | Decimal) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        raise UsageError(f"Form field {name!r} is {value!r}: give a finite number.")
    if isinstance(value, Decimal) and not value.is_finite():
        raise UsageError(f"Form field {name!r} is {value}: give a finite number.")
    if value == int(value):
        return str(int(value))
    # Plain decimal text, never exponent notation like 1e-05.
    return format(Decimal(str(value)) if isinstance(value, float) else value, "f")


def _check_key(key: object, parent: str) -> str:
    if isinstance(key, Enum):
        key = key.value
    if isinstance(key, bool) or not isinstance(key, str | int):
        where = f" inside {parent!r}" if parent else ""
        raise UsageError(f"Form key {key!r}{where} must be text or an integer.")
    text = str(key)
    if not text or any(ch in text for ch in "[]"):
        raise UsageError(f"Form key {text!r} must be non-empty and hold no '[' or ']'.")
    return text


# --- decoding, PHP style -------------------------------------------------------------


def decode_php_form(pairs: Iterable[tuple[str, str]] | str | bytes) -> dict[str, Any]:
    """Pairs (or an urlencoded body) read as PHP reads them.

    ``k[]=a`` appends, ``k[x]=v`` sets a key, a later plain ``k=v`` replaces. A level
    whose keys are exactly 0..n-1 comes back as a list, any other as a dict. Values
    stay text. (PHP also turns ``.`` and spaces in top-level names into ``_``; this
    does not, so tests see exactly what was sent.)
    """
    if isinstance(pairs, bytes):
        pairs = pairs.decode()
    if isinstance(pairs, str):
        pairs = parse_qsl(pairs, keep_blank_values=True)
    root: dict[object, Any] = {}
    for name, value in pairs:
        head, *rest = _split_name(name)
        _assign(root, [str(head), *rest], value)
    # Top-level names stay names, even "0"; only nested levels may become lists.
    return {str(k): _listify(v) if isinstance(v, dict) else v for k, v in root.items()}


def _split_name(name: str) -> list[str | None]:
    """``a[b][]`` -> ["a", "b", None]; None means "append"."""
    head, bracket, rest = name.partition("[")
    parts: list[str | None] = [head]
    while bracket:
        inner, closed, tail = rest.partition("]")
        if not closed:  # PHP keeps an unclosed bracket as part of the name
            parts[-1] = f"{parts[-1]}[{rest}"
            break
        parts.append(inner or None)
        bracket, rest = tail[:1], tail[1:]
        if bracket != "[":
            break
    return parts


def _assign(node: dict[object, Any], parts: list[str | None], value: str) -> None:
    *path, last = parts
    for depth, part in enumerate(path):
        key = part if depth == 0 else _php_key(node, part)
        if not isinstance(node.get(key), dict):
            node[key] = {}
        node = node[key]
    node[last if len(parts) == 1 else _php_key(node, last)] = value


def _php_key(node: dict[object, Any], part: str | None) -> object:
    if part is None:
        ints = [k for k in node if isinstance(k, int)]
        return max(ints) + 1 if ints else 0
    # PHP stores canonical integer keys ("7", not "07") as integers.
    if part.isdigit() and str(int(part)) == part:
        return int(part)
    return part


def _listify(node: dict[object, Any]) -> Any:
    values = {k: _listify(v) if isinstance(v, dict) else v for k, v in node.items()}
    if values and list(values) == list(range(len(values))):
        return list(values.values())
    return {str(k): v for k, v in values.items()}
