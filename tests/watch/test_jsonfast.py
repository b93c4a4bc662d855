"""jsonfast writes exactly json's text: content-hash keys and state rows never change."""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tickettailor.watch.changes import HASH_LENGTH, content_hash
from tickettailor.watch.jsonfast import PlainDict, dumps, loads

# Everything json.loads can hand back, and more: floats of every size (NaN and the
# infinities included), ints beyond 64 bits, any unicode (lone surrogates included),
# control characters, deep nesting; plus tuples and non-string keys that Python code
# (not a parse) could put in a record.
_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from([1e-7, 1.5e-05, 1e16, 1e22, 5e-324, -0.0, 0.1, 123456789.125])
    | st.text()
    | st.text(alphabet=st.characters(codec=None, min_codepoint=0, max_codepoint=0x3FF))
    | st.sampled_from(["\ud800", "\udfff x", "\x00\x1f\x7f\u2028\u2029", "\U0001f600é"])
)
_keys = st.text() | st.sampled_from(["\U0001f600", "\uffff", "é", "a", "A", ""])
_any_keys = _keys | st.integers(-3, 3) | st.none()  # json turns these into strings
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(_keys, inner, max_size=6)
        | st.dictionaries(_any_keys, inner, max_size=3)
        | st.tuples(inner, inner)
    ),
    max_leaves=30,
)


def _old(value: Any, sort_keys: bool = False) -> str:
    return json.dumps(value, sort_keys=sort_keys, separators=(",", ":"), ensure_ascii=False)


@settings(max_examples=250, deadline=None)
@given(_values, st.booleans())
def test_dumps_is_json_text(value: Any, sort_keys: bool) -> None:
    assert _outcome(dumps, value, sort_keys) == _outcome(_old, value, sort_keys)


def _outcome(encode: Any, value: Any, sort_keys: bool) -> str:
    """The text, or the kind of error (keys of mixed types cannot be sorted)."""
    try:
        return str(encode(value, sort_keys=sort_keys))
    except TypeError:
        return "TypeError"


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(_keys, _values, max_size=8))
def test_content_hash_is_the_old_key(record: dict[str, Any]) -> None:
    try:
        old = hashlib.sha256(_old(record, True).encode()).hexdigest()[:HASH_LENGTH]
    except (TypeError, UnicodeEncodeError) as exc:  # keys that cannot be sorted, a lone
        old = type(exc).__name__  # surrogate: the old code failed, and so must the new
    try:
        new = content_hash(record)
    except (TypeError, UnicodeEncodeError) as exc:
        new = type(exc).__name__
    assert new == old


def _same(a: Any, b: Any) -> bool:
    """Equal, with NaN equal to NaN and types compared exactly (int is not float)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    if type(a) is not type(b) and not isinstance(a, dict):
        return False
    if isinstance(a, dict):
        return isinstance(b, dict) and list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(map(_same, a, b))
    return bool(a == b)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(_keys, _values, max_size=8), st.booleans())
def test_loads_is_json_loads_and_marks_only_float_free_objects(
    value: dict[str, Any], ascii_only: bool
) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)
    parsed = loads(text)
    assert _same(parsed, json.loads(text))
    for raw in (text.encode("utf-8", "surrogatepass"), text.encode("utf-16", "surrogatepass")):
        assert _same(loads(raw), json.loads(raw))  # bytes: json's detection of the encoding
    if type(parsed) is PlainDict:
        assert not _has_float(parsed)
        # and so the fast path is taken and still writes json's text
        assert dumps(parsed, sort_keys=True) == _old(json.loads(text), True)
    else:
        assert _has_float(parsed)


def _has_float(value: Any) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        return any(map(_has_float, value.values()))
    if isinstance(value, list):
        return any(map(_has_float, value))
    return False


def test_loads_fails_where_json_loads_fails_and_says_the_same() -> None:
    for text in ("\ufeff{}", "{", '{"a":1}x', b"\xff{}", "[1,]"):
        assert _error(loads, text) == _error(json.loads, text) != "no error"
    assert loads(b"\xef\xbb\xbf{}") == json.loads(b"\xef\xbb\xbf{}") == {}


def _error(parse: Any, text: str | bytes) -> str:
    try:
        parse(text)
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
        return f"{type(exc).__name__}: {exc}"
    return "no error"


def test_a_delivery_payload_is_marked_and_hashes_as_before() -> None:
    body = b'{"id":"or_1","n":[1,{"b":"\\u00e9","a":null}],"t":true}'
    record = loads(body)
    assert type(record) is PlainDict
    assert dumps(record, sort_keys=True) == '{"id":"or_1","n":[1,{"a":null,"b":"é"}],"t":true}'
    assert type(loads(b'{"id":"or_1","price":1e-07}')) is dict  # a float: json writes it
    assert dumps(loads(b'{"price":1e-07}')) == '{"price":1e-07}'
