"""The signature check of reference §7.4, table by table, against the sandbox's signer."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from tickettailor import WebhookSignatureError
from tickettailor.sandbox.webhook_sender import encode_json
from tickettailor.sandbox.webhook_sender import sign as sandbox_sign
from tickettailor.webhooks import parse_signature, sign, verify

SECRET = "whsec_9f2c1e7a55b3"
NOW = 1_796_000_000
BODY = encode_json(
    {
        "id": "wh_1",
        "created_at": "2026-11-30 00:53:20",
        "event": "ORDER.CREATED",
        "resource_url": "https://api.tickettailor.com/v1/orders/or_1",
        "payload": {"id": "or_1", "created_at": NOW, "name": "Zoë"},
    }
).encode("ascii")


def test_the_sandbox_signature_verifies_on_the_raw_bytes() -> None:
    header = sandbox_sign(SECRET, NOW, BODY)
    assert b"\\/" in BODY
    assert b"\\u00eb" in BODY
    assert verify(SECRET, header, BODY, now=NOW).timestamp == NOW
    assert sign(SECRET, NOW, BODY) == header


RESERIALISED = BODY.replace(b"\\/", b"/")


def _v1(message: bytes) -> str:
    return hmac.new(SECRET.encode(), message, hashlib.sha256).hexdigest()


@pytest.mark.parametrize(
    ("label", "header"),
    [
        ("stripe style t.body", f"t={NOW},v1={_v1(f'{NOW}.'.encode() + BODY)}"),
        ("body alone", f"t={NOW},v1={_v1(BODY)}"),
        ("re-serialised body", f"t={NOW},v1={_v1(str(NOW).encode() + RESERIALISED)}"),
        ("wrong secret", sandbox_sign("whsec_other", NOW, BODY)),
        (
            "t changed after signing",
            sandbox_sign(SECRET, NOW, BODY).replace(f"t={NOW}", f"t={NOW + 1}"),
        ),
        ("upper-case hex of a wrong digest", f"t={NOW},v1={'A' * 64}"),
        ("short v1", f"t={NOW},v1=abc"),
    ],
)
def test_wrong_signatures_are_refused(label: str, header: str) -> None:
    with pytest.raises(WebhookSignatureError, match="does not match") as caught:
        verify(SECRET, header, BODY, now=NOW)
    assert SECRET not in str(caught.value)


def test_a_changed_body_is_refused() -> None:
    header = sandbox_sign(SECRET, NOW, BODY)
    tampered = BODY.replace(b'"or_1"', b'"or_2"')
    with pytest.raises(WebhookSignatureError, match="does not match"):
        verify(SECRET, header, tampered, now=NOW)


@pytest.mark.parametrize(
    ("signed_at", "accepted", "reason"),
    [
        (NOW, True, ""),
        (NOW - 300, True, ""),  # exactly 5 minutes: still fresh
        (NOW - 301, False, "old"),
        (NOW - 86400, False, "old"),
        (NOW + 30, True, ""),  # small clock skew
        (NOW + 31, False, "future"),
    ],
)
def test_freshness(signed_at: int, accepted: bool, reason: str) -> None:
    header = sandbox_sign(SECRET, signed_at, BODY)
    if accepted:
        verify(SECRET, header, BODY, now=NOW)
    else:
        with pytest.raises(WebhookSignatureError, match=reason):
            verify(SECRET, header, BODY, now=NOW)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "no Tickettailor-Webhook-Signature header"),
        ("", "no Tickettailor-Webhook-Signature header"),
        ("v1=" + "0" * 64, "no t= part"),
        (f"t={NOW}", "no v1= part"),
        (f"t={NOW},v0=abc", "no v1= part"),
        (f"t=soon,v1={'0' * 64}", "not a unix time"),
        (f"t=-5,v1={'0' * 64}", "not a unix time"),
        ("garbage", "no t= part"),
    ],
)
def test_malformed_headers_name_the_problem(header: str | None, message: str) -> None:
    with pytest.raises(WebhookSignatureError, match=message):
        verify(SECRET, header, BODY, now=NOW)


def test_parsing_is_by_key_with_unknown_keys_ignored() -> None:
    good = sandbox_sign(SECRET, NOW, BODY)
    t_part, v1_part = good.split(",")
    for header in (
        f"{v1_part},{t_part}",  # v1 first
        f"{t_part}, {v1_part}",  # a space after the comma
        f"{t_part},v0=deadbeef,{v1_part},scheme=hmac",  # unknown keys
        f"{t_part},v1={'0' * 64},{v1_part}",  # several v1: any match is enough
    ):
        assert verify(SECRET, header, BODY, now=NOW).timestamp == NOW
    assert parse_signature(f"{t_part},{v1_part}").v1 == (v1_part.removeprefix("v1="),)


def test_the_secret_stays_out_of_settings_reprs() -> None:
    from tickettailor.webhooks import ReceiverSettings

    settings = ReceiverSettings(secret=SECRET)
    assert SECRET not in repr(settings)
    assert SECRET not in str(settings)
