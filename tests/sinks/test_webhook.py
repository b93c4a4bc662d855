"""``webhook:URL``: signed per Standard Webhooks, checked by a real receiver two ways."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import socket
import threading
import time

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from tests.sinks.conftest import MakeEnvelope, Receiver
from tickettailor.sinks import WebhookSink, generate_secret
from tickettailor.watch.sink import SinkError

SECRET = generate_secret()


def hand_signature(secret: str, msg_id: str, timestamp: str, body: bytes) -> str:
    """The spec's v1 signature, written out without the library."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def test_delivery_is_signed_and_verifiable(receiver: Receiver, make_env: MakeEnvelope) -> None:
    envelope = make_env()
    sink = WebhookSink(receiver.url, SECRET)
    sink.send(envelope)
    sink.close()
    [delivery] = receiver.deliveries
    headers = {k.lower(): v for k, v in delivery.headers.items()}
    assert delivery.path == "/hooks"
    assert headers["content-type"] == "application/json"
    assert headers["webhook-id"] == envelope["id"]
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 60
    # The spec's library, as a receiver would use it...
    assert Webhook(SECRET).verify(delivery.body, headers) == envelope
    # ...and an independent HMAC computed by hand.
    expected = hand_signature(SECRET, envelope["id"], headers["webhook-timestamp"], delivery.body)
    assert headers["webhook-signature"] == expected
    assert json.loads(delivery.body) == envelope


def test_a_wrong_secret_does_not_verify(receiver: Receiver, make_env: MakeEnvelope) -> None:
    WebhookSink(receiver.url, SECRET).send(make_env())
    [delivery] = receiver.deliveries
    headers = {k.lower(): v for k, v in delivery.headers.items()}
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        Webhook(generate_secret()).verify(delivery.body, headers)


def test_a_redelivery_carries_the_same_webhook_id(
    receiver: Receiver, make_env: MakeEnvelope
) -> None:
    envelope = make_env()
    sink = WebhookSink(receiver.url, SECRET)
    sink.send(envelope)
    sink.send(envelope)
    ids = {d.headers["webhook-id"] for d in receiver.deliveries}
    assert len(receiver.deliveries) == 2
    assert ids == {envelope["id"]}


@pytest.mark.parametrize("status", [200, 201, 202, 204, 299])
def test_any_2xx_is_acceptance(receiver: Receiver, make_env: MakeEnvelope, status: int) -> None:
    receiver.statuses.append(status)
    WebhookSink(receiver.url, SECRET).send(make_env())
    assert len(receiver.deliveries) == 1


@pytest.mark.parametrize(
    ("status", "permanent"),
    [
        # Retried like a 5xx (a deploy, a route fixed later), up to the relay's horizon.
        (400, False),
        (401, False),
        (403, False),
        (404, False),
        (413, False),
        (422, False),
        (410, True),  # Gone: the receiver says so itself
        (408, False),
        (409, False),
        (429, False),
        (500, False),
        (502, False),
        (503, False),
        (504, False),
    ],
)
def test_failures_are_classified(
    receiver: Receiver, make_env: MakeEnvelope, status: int, permanent: bool
) -> None:
    receiver.statuses.append(status)
    receiver.answer_body = b"receiver says no\nreally"
    with pytest.raises(SinkError) as caught:
        WebhookSink(receiver.url, SECRET).send(make_env())
    assert caught.value.permanent is permanent
    message = str(caught.value)
    assert f"webhook {receiver.url} answered {status}" in message
    assert message.endswith(": receiver says no really")


def test_a_redirect_is_not_followed_retried_and_names_the_new_url(
    receiver: Receiver, make_env: MakeEnvelope
) -> None:
    receiver.statuses.append(301)
    receiver.location = "https://example.com/moved"
    with pytest.raises(
        SinkError, match=re.escape("redirects to https://example.com/moved")
    ) as caught:
        WebhookSink(receiver.url, SECRET).send(make_env())
    assert caught.value.permanent is False
    assert len(receiver.deliveries) == 1  # not followed


def test_a_slow_receiver_is_a_retryable_timeout(receiver: Receiver, make_env: MakeEnvelope) -> None:
    receiver.hang = threading.Event()
    sink = WebhookSink(receiver.url, SECRET, timeout=0.3)
    with pytest.raises(SinkError, match="did not answer in time") as caught:
        sink.send(make_env())
    assert caught.value.permanent is False
    sink.close()


def test_an_unreachable_receiver_is_retryable(make_env: MakeEnvelope) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = WebhookSink(f"http://127.0.0.1:{port}/hooks", SECRET, timeout=5)
    with pytest.raises(SinkError, match="unreachable: ConnectError") as caught:
        sink.send(make_env())
    assert caught.value.permanent is False


def test_secrets_stay_out_of_names_errors_and_output(
    receiver: Receiver, make_env: MakeEnvelope, capfd: pytest.CaptureFixture[str]
) -> None:
    url = receiver.url.replace("http://", "http://hookuser:url-Passw0rd@") + "?token=tok-9Zq"
    sink = WebhookSink(url, SECRET)
    receiver.statuses.append(500)
    with pytest.raises(SinkError) as caught:
        sink.send(make_env())
    sink.send(make_env())
    # The URL's credentials went on the wire (basic auth, query) and nowhere else.
    auth = receiver.deliveries[0].headers["Authorization"]
    assert base64.b64decode(auth.split()[1]) == b"hookuser:url-Passw0rd"
    assert receiver.deliveries[0].path == "/hooks?token=tok-9Zq"
    out, err = capfd.readouterr()
    key_b64 = SECRET.removeprefix("whsec_")
    seen = [sink.name, repr(sink), str(caught.value), repr(caught.value), out, err]
    for text in seen:
        assert key_b64 not in text
        assert "url-Passw0rd" not in text
        assert "tok-9Zq" not in text
    assert sink.name == f"webhook:{receiver.url}?token=***"
