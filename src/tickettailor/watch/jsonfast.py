"""Compact JSON for the delivery path: orjson where its text is json's, json elsewhere.

A content hash is sha256 over ``json.dumps(record, sort_keys=True, separators=(",",
":"), ensure_ascii=False)``, and a state row holds the same compact form of an
envelope: their text must never change, or a record already stored would come back
under a new key. orjson writes that very text (same escapes, keys sorted by code
point, UTF-8 left as is) for everything json.loads can produce except: floats (orjson
writes ``1e-7`` and ``0.000015`` where json writes ``1e-07`` and ``1.5e-05``), NaN and
Infinity (orjson writes ``null``), integers beyond 64 bits, lone surrogates and keys
that are not strings (orjson refuses the last three). So ``dumps`` uses orjson only for
a value made of dicts, lists, strings, ints, booleans and None (checked by a walk, or
known from the parse: ``PlainDict``) and falls back to json when orjson refuses one.
``tests/watch/test_jsonfast.py`` compares the two with hypothesis.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import orjson

__all__ = ["PlainDict", "dumps", "loads"]


class PlainDict(dict[str, Any]):
    """A JSON object ``loads`` parsed without a float, NaN or Infinity anywhere in it.
    Nothing mutates records on the delivery path; a copy is a plain dict again."""


def loads(text: str | bytes) -> Any:
    """``json.loads(text)``, its objects as PlainDict when the text has no float.

    orjson parses first: where it accepts the text and hands back no float, its value
    is json.loads's (the same strings, ints, order of keys, last of a repeated key).
    Where it refuses (NaN, lone surrogates, a BOM, UTF-16, deep nesting...) or gives a
    float (a float in the text, or an int beyond 64 bits, which orjson reads as one),
    json decides, with its own floats and its own errors.
    """
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return _json_loads(text)
    if type(value) is not dict:
        return value if not _has_float(value) else _json_loads(text)
    marked = PlainDict()
    for k, v in value.items():
        kind = type(v)
        if kind is float or ((kind is dict or kind is list) and _has_float(v)):
            return _json_loads(text)
        marked[k] = PlainDict(v) if kind is dict else v
    return marked


def _has_float(value: object) -> bool:
    """A float anywhere in what orjson parsed (dicts, lists and scalars only)."""
    if type(value) is float:
        return True
    todo = [value] if type(value) is dict or type(value) is list else []
    while todo:  # a loop, not recursion: a third of the cost
        container = todo.pop()
        for item in container.values() if type(container) is dict else container:
            kind = type(item)
            if kind is float:
                return True
            if kind is dict or kind is list:
                todo.append(item)
    return False


def _json_loads(text: str | bytes) -> Any:
    """``loads`` by json itself (the float path, and every error)."""
    if isinstance(text, str):  # json.loads's own steps before its decoder
        if text.startswith("\ufeff"):
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
    else:
        text = text.decode(json.detect_encoding(text), "surrogatepass")
    _seen.floats = False
    value = _DECODER.decode(text)
    if _seen.floats or not isinstance(value, dict):
        return value
    return PlainDict({k: PlainDict(v) if type(v) is dict else v for k, v in value.items()})


class _Seen(threading.local):
    floats = False  # did this thread's last ``loads`` meet a float?


_seen = _Seen()


def _float(token: str) -> float:
    _seen.floats = True
    return float(token)  # also NaN, Infinity, -Infinity, as json.loads reads them


# One decoder for every call (json.loads with hooks builds one per call, a third of the
# cost of a small document); its hooks run only for floats.
_DECODER = json.JSONDecoder(parse_float=_float, parse_constant=_float)


_SCALARS = (str, int, bool, type(None))


def _plain(value: Any) -> bool:
    """No float anywhere in ``value``, and only JSON's own container types."""
    kind = type(value)
    if kind is PlainDict or kind in _SCALARS:
        return True
    if kind is dict:
        return all(_plain(v) for v in value.values())
    if kind is list:
        return all(_plain(v) for v in value)
    return False


def dumps(value: Any, *, sort_keys: bool = False) -> str:
    """``json.dumps(value, sort_keys=sort_keys, separators=(",", ":"),
    ensure_ascii=False)``, the same text, faster for plain values."""
    if _plain(value):
        try:
            return orjson.dumps(value, option=orjson.OPT_SORT_KEYS if sort_keys else 0).decode()
        except TypeError:  # an int beyond 64 bits, a lone surrogate, a key not a string
            pass
    return json.dumps(value, sort_keys=sort_keys, separators=(",", ":"), ensure_ascii=False)
