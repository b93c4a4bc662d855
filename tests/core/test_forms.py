"""PHP-bracket form bodies, including the reference's traps (T3, T4)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tickettailor._core.errors import UsageError
from tickettailor._core.forms import decode_php_form, encode_form


def test_hold_create_sends_ticket_type_quantities_as_a_map() -> None:
    # The only shape the API accepts; anything else gets "Ticket type ID must be an array".
    pairs = encode_form({"event_id": "ev_1", "note": "press", "ticket_type_id": {"tt_x": 2}})
    assert pairs == [("event_id", "ev_1"), ("note", "press"), ("ticket_type_id[tt_x]", "2")]
    assert urlencode(pairs) == "event_id=ev_1&note=press&ticket_type_id%5Btt_x%5D=2"


def test_discount_scope_is_the_id_map_that_the_api_honours() -> None:
    pairs = encode_form(
        {
            "name": "Press",
            "code": "PRESS",
            "type": "fixed_amount",
            "price": 2400,
            "ticket_type_id": {"tt_6684722": 1, "tt_2": 1},
        }
    )
    assert ("ticket_type_id[tt_6684722]", "1") in pairs
    assert ("ticket_type_id[tt_2]", "1") in pairs
    # Never the forms the API silently ignores (201 with ticket_types: []).
    assert not any(name in ("ticket_types[]", "ticket_type_ids") for name, _ in pairs)


def test_update_association_maps_link_and_unlink() -> None:
    pairs = encode_form({"ticket_types": {"tt_1": 1, "tt_2": 0}, "products": {"pr_1": True}})
    assert pairs == [
        ("ticket_types[tt_1]", "1"),
        ("ticket_types[tt_2]", "0"),
        ("products[pr_1]", "true"),
    ]


def test_lists_use_empty_brackets() -> None:
    pairs = encode_form({"name": "Promo", "codes": ["A", "B"], "event_series_ids": ("es_1",)})
    assert pairs == [
        ("name", "Promo"),
        ("codes[]", "A"),
        ("codes[]", "B"),
        ("event_series_ids[]", "es_1"),
    ]
    assert urlencode(pairs) == "name=Promo&codes%5B%5D=A&codes%5B%5D=B&event_series_ids%5B%5D=es_1"


def test_empty_and_missing_values_are_left_out() -> None:
    # The API rejects "expires=" with "Value must be a UNIX timestamp in seconds."
    pairs = encode_form({"expires": None, "note": "", "codes": [], "ticket_types": {}, "name": "x"})
    assert pairs == [("name", "x")]
    assert encode_form({"codes": ["A", None, "", "B"]}) == [("codes[]", "A"), ("codes[]", "B")]


def test_scalars_become_the_text_the_api_reads() -> None:
    class Status(Enum):
        ON_SALE = "on_sale"

    pairs = dict(
        encode_form(
            {
                "send_email": True,
                "void_to_hold": False,
                "quantity": -1,
                "zero": 0,
                "price_percent": 12.5,
                "whole": 10.0,
                "tiny": 1e-5,
                "exact": Decimal("0.10"),
                "expires": datetime(2026, 12, 31, 23, 59, tzinfo=UTC),
                "naive": datetime(2026, 12, 31, 23, 59),
                "day": date(2026, 12, 31),
                "status": Status.ON_SALE,
                "modify_quantity": "+10",
            }
        )
    )
    assert pairs == {
        "send_email": "true",
        "void_to_hold": "false",
        "quantity": "-1",
        "zero": "0",  # zero is a value, not "empty"
        "price_percent": "12.5",
        "whole": "10",
        "tiny": "0.00001",
        "exact": "0.10",
        "expires": "1798761540",
        "naive": "1798761540",
        "day": "1798675200",
        "status": "on_sale",
        "modify_quantity": "+10",
    }


def test_nested_containers_use_indices_php_reads_unambiguously() -> None:
    pairs = encode_form({"rows": [{"a": 1}, {"a": None}, {"b": [1, 2]}]})
    assert pairs == [("rows[0][a]", "1"), ("rows[1][b][]", "1"), ("rows[1][b][]", "2")]
    assert decode_php_form(pairs) == {"rows": [{"a": "1"}, {"b": ["1", "2"]}]}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"x": object()}, r"'x' cannot hold a object"),
        ({"x": {"y": b"raw"}}, r"'x\[y\]' cannot hold a bytes"),
        ({"x": float("nan")}, r"'x' is nan: give a finite number"),
        ({"x": Decimal("Infinity")}, r"finite number"),
        ({"a[b]": 1}, r"no '\[' or '\]'"),
        ({"": 1}, r"non-empty"),
        ({"m": {None: 1}}, r"Form key None inside 'm' must be text"),
    ],
)
def test_values_that_cannot_be_sent_are_clear_errors(data: dict[Any, Any], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        encode_form(data)


def test_decode_reads_like_php() -> None:
    body = "a=1&a%5B%5D=2&b%5Bx%5D%5B%5D=1&b%5Bx%5D%5B%5D=2&c%5B5%5D=q&c%5B%5D=r&d=&0=z"
    assert decode_php_form(body) == {
        "a": ["2"],  # a later a[] replaces the plain a
        "b": {"x": ["1", "2"]},
        "c": {"5": "q", "6": "r"},  # [] appends after the highest integer key
        "d": "",
        "0": "z",  # a top-level name stays a name
    }
    assert decode_php_form(b"k%5Btt_1%5D=2") == {"k": {"tt_1": "2"}}


# --- round trip: decode(encode(x)) is x with scalars as text and empties dropped --------

KEYS = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
IDS = st.from_regex(r"(tt|pr|es)_[0-9]{1,6}", fullmatch=True)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.text(max_size=12),
    st.datetimes(timezones=st.just(UTC), min_value=datetime(1971, 1, 1)),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(IDS, inner, max_size=4)),
    max_leaves=12,
)


def expected(value: object) -> Any:
    """What PHP would see for ``value``; None for "not sent at all"."""
    if isinstance(value, dict):
        kept = {k: expected(v) for k, v in value.items()}
        kept = {k: v for k, v in kept.items() if v is not None}
        return kept or None
    if isinstance(value, list):
        items = [expected(v) for v in value]
        kept_items = [v for v in items if v is not None]
        return kept_items or None
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        # Exact integer seconds: a float timestamp rounds up near the next second for
        # far-future instants (year 6326, .999985 s), which the library must not do.
        return str((value - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(seconds=1))
    return str(value)


@given(st.dictionaries(KEYS, VALUES, max_size=5))
@example(data={"a": datetime(6326, 1, 1, 0, 0, 0, 999985, tzinfo=UTC)})  # floors, never rounds
def test_decode_inverts_encode(data: dict[str, Any]) -> None:
    pairs = encode_form(data)
    want = {k: expected(v) for k, v in data.items()}
    assert decode_php_form(pairs) == {k: v for k, v in want.items() if v is not None}
    assert decode_php_form(urlencode(pairs)) == decode_php_form(pairs)
    assert all(value != "" for _, value in pairs)
