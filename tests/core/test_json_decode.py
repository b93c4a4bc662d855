"""The client's JSON parse (orjson where it gives json's value) equals ``json.loads``."""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tickettailor._core.transport import loads

scalars = (
    st.none()
    | st.booleans()
    | st.integers()  # beyond 64 bits too: orjson would give a float
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()  # lone surrogates included
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=30,
)


def same(a: Any, b: Any) -> bool:
    """Equal, also in type (1 is not 1.0) and for NaN and -0.0."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and repr(a) == repr(b))
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return bool(a == b)


@settings(max_examples=400)
@given(values, st.booleans(), st.booleans())
def test_any_json_text_parses_to_what_json_loads_gives(
    value: Any, ascii_only: bool, indent: bool
) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only, indent=2 if indent else None)
    assert same(loads(text), json.loads(text))


number = st.from_regex(r"\A-?(0|[1-9][0-9]{0,25})(\.[0-9]{1,25})?([eE][-+]?[0-9]{1,3})?\Z")


@settings(max_examples=400)
@given(number)
def test_any_number_token_parses_to_the_same_value(token: str) -> None:
    text = f'{{"n": {token}, "list": [{token}]}}'
    assert same(loads(text), json.loads(text))


def test_the_cases_where_orjson_differs_or_refuses_give_json_s_value() -> None:
    for text in (
        "123456789012345678901234567890",  # orjson: a float
        "-9223372036854775809",
        "18446744073709551616",
        '{"a": NaN, "b": Infinity, "c": -Infinity}',
        "1e400",
        '"\\ud800"',
        '{"a": 1, "a": 2}',
    ):
        assert same(loads(text), json.loads(text)), text


def test_what_json_refuses_is_refused_alike() -> None:
    for text in ("[" * 5000 + "]" * 5000, "{", "[1,]", "\ufeff{}", "nul"):
        try:
            expected: Any = json.loads(text)
        except (ValueError, RecursionError) as exc:
            expected = type(exc)
        try:
            got: Any = loads(text)
        except (ValueError, RecursionError) as exc:
            got = type(exc)
        assert got == expected, text
