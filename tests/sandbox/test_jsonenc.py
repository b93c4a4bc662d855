"""Response JSON is written like PHP's json_encode with the HEX_* flags (reference §1.9)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tickettailor.sandbox.jsonenc import dumps_api, dumps_api_reference, php_string
from tickettailor.sandbox.webhook_sender import encode_json

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(json_values)
def test_fast_encoder_equals_the_per_string_reference(value: Any) -> None:
    text = dumps_api(value)
    assert text == dumps_api_reference(value)
    assert json.loads(text) == value
    assert text.isascii()
    for raw in "<>&'":
        assert raw not in text


@given(st.text())
def test_quotes_never_appear_escaped_with_a_backslash(text: str) -> None:
    encoded = php_string(text)
    assert json.loads(encoded) == text
    inner = encoded[1:-1].replace("\\\\", "")
    assert '\\"' not in inner


def test_known_strings() -> None:
    assert dumps_api({"d": "<p>Wes Anderson’s & \"Co\" 'x' a/b é\\"}) == (
        '{"d":"\\u003Cp\\u003EWes Anderson\\u2019s \\u0026 \\u0022Co\\u0022 \\u0027x\\u0027 '
        'a/b \\u00e9\\\\"}'
    )
    assert dumps_api([1522.5, 464, None, "😀"]) == '[1522.5,464,null,"\\ud83d\\ude00"]'
    assert encode_json({"u": "https://x/y&z"}) == '{"u":"https:\\/\\/x\\/y&z"}'
