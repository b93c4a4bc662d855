"""The receiver's fast check gives parse_delivery's verdict on every body."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tickettailor.webhooks.events import BadDelivery, check_delivery, parse_delivery

_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=15,
)
_ids = st.text(max_size=3) | st.sampled_from(["or_1", "it_2", "\ud800", "x" * 201, " "])
_events = st.sampled_from(["ORDER.CREATED", "order.updated", "EVENT.DELETED", "NOPE", ""])


@st.composite
def _bodies(draw: st.DrawFn) -> bytes:
    payload: dict[str, Any] = {
        "id": draw(_ids | st.integers()),
        "created_at": draw(st.integers(min_value=-1, max_value=2**65) | st.booleans()),
        "object": "order",
    }
    payload.update(draw(st.dictionaries(st.text(max_size=4), _values, max_size=3)))
    delivery: dict[str, Any] = {
        "id": draw(_ids),
        "created_at": "2026-11-29 12:00:00",
        "event": draw(_events),
        "resource_url": "https://api.tickettailor.com/v1/orders/or_1",
        "payload": draw(st.sampled_from([payload, [payload], None])),
    }
    for key in draw(st.lists(st.sampled_from(sorted(delivery)), max_size=1)):
        del delivery[key]
    text = json.dumps(delivery, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")
    cut = draw(st.integers(min_value=0, max_value=len(text)))
    return text if draw(st.booleans()) else text[:cut] + draw(st.binary(max_size=3))


def _verdict(check: Any, body: bytes) -> tuple[str, str, str] | str:
    try:
        delivery = check(body)
    except BadDelivery as exc:
        return f"refused: {exc}"
    return delivery.id, delivery.event, delivery.resource_url


@settings(max_examples=300, deadline=None)
@given(_bodies())
def test_check_delivery_agrees_with_parse_delivery(body: bytes) -> None:
    assert _verdict(check_delivery, body) == _verdict(parse_delivery, body)


def test_what_only_json_reads_is_still_accepted() -> None:
    # NaN, a lone surrogate, a byte-order mark: orjson refuses these, json.loads reads
    # them, and so the receiver still accepts the delivery.
    body = (
        '\ufeff{"id":"wh_\\ud800","created_at":"x","event":"ORDER.CREATED",'
        '"resource_url":"https://x/or_1","payload":{"id":"or_1","created_at":1,"n":NaN}}'
    ).encode()
    assert check_delivery(body).id == "wh_\ud800"
