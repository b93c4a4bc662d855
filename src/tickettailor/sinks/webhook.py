"""``webhook:URL``: POST each envelope, signed per the Standard Webhooks spec.

Headers: ``webhook-id`` (the envelope id, so receivers de-duplicate on it),
``webhook-timestamp`` (unix seconds of this attempt) and ``webhook-signature``
(``v1,<base64 HMAC-SHA256 of "id.timestamp.body">``), computed by the spec's own
``standardwebhooks`` library. A 2xx answer is acceptance. Every other answer, a timeout
or a connection failure is retried with backoff, as Stripe and Svix do: a 404 or a 401
is often a deploy in progress or a route fixed minutes later. Only 410 Gone (the
receiver says the endpoint is no more) is permanent at once. The relay gives up on a
delivery after ``Backoff.dead_after`` (3 days) and keeps it as a dead letter.
"""

from __future__ import annotations

import base64
import binascii
import os
from datetime import UTC, datetime

import httpx2
from standardwebhooks import Webhook

from tickettailor._core.errors import UsageError
from tickettailor.sinks._common import envelope_json
from tickettailor.watch.envelope import Envelope
from tickettailor.watch.sink import SinkError

__all__ = ["GENERATE_HINT", "WebhookSink", "generate_secret"]

_PREFIX = "whsec_"
_MIN_KEY, _MAX_KEY = 24, 64  # bytes, as the spec recommends
_GONE = 410  # the receiver says this endpoint is no more: retrying cannot help
_BODY_TAIL = 300

GENERATE_HINT = (
    'generate one with: python -c "import base64, os; '
    "print('whsec_' + base64.b64encode(os.urandom(32)).decode())\" "
    "and give the same secret to the receiver"
)


def generate_secret() -> str:
    """A new random signing secret in the spec's ``whsec_<base64>`` form (32 bytes)."""
    return _PREFIX + base64.b64encode(os.urandom(32)).decode()


def _signer(secret: str | None) -> Webhook:
    """Check the secret's shape and build the signer. Errors never show the secret."""
    if not secret:
        raise UsageError(
            "webhook sink needs a signing secret: pass --sink-secret whsec_...; " + GENERATE_HINT
        )
    encoded = secret.strip().removeprefix(_PREFIX)
    try:
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if not _MIN_KEY <= len(key) <= _MAX_KEY:
        raise UsageError(
            "the webhook signing secret is not valid: it must be 'whsec_' followed by the "
            f"base64 of {_MIN_KEY} to {_MAX_KEY} random bytes; " + GENERATE_HINT
        )
    return Webhook(key)


def _safe_url(url: str) -> httpx2.URL:
    try:
        parsed = httpx2.URL(url)
    except (httpx2.InvalidURL, TypeError, ValueError):
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise UsageError(
            "webhook sink: the target is not an http(s) URL; "
            "use webhook:https://example.com/hooks/tickettailor"
        )
    return parsed


def _display_url(url: httpx2.URL) -> str:
    """The URL without what may be a credential: user info and query values.

    They go on the wire but never into the name (the outbox key, shown by
    ``watch status``) or an error message.
    """
    query = "&".join(f"{key}=***" for key in url.params)
    return str(url.copy_with(username=None, password=None, query=query.encode() or None))


class WebhookSink:
    """POST envelopes to ``url``, signed with ``secret`` (``whsec_...``)."""

    def __init__(
        self,
        url: str,
        secret: str | None,
        *,
        timeout: float = 10.0,
        transport: httpx2.BaseTransport | None = None,
    ) -> None:
        import tickettailor  # here, not at the top: the package may import the sinks

        parsed = _safe_url(url)
        self._signer = _signer(secret)
        self.url = _display_url(parsed)
        self.name = f"webhook:{self.url}"
        self._client = httpx2.Client(
            timeout=timeout,
            transport=transport,
            follow_redirects=False,  # a redirect would drop the body; see _classify
            headers={"user-agent": f"tickettailor/{tickettailor.__version__}"},
        )
        self._target = parsed

    def __repr__(self) -> str:
        return f"WebhookSink({self.url!r})"

    def send(self, envelope: Envelope) -> None:
        body = envelope_json(envelope)
        now = datetime.now(UTC)
        headers = {
            "content-type": "application/json",
            "webhook-id": envelope["id"],
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": self._signer.sign(envelope["id"], now, body),
        }
        try:
            response = self._client.post(self._target, content=body.encode(), headers=headers)
        except httpx2.TimeoutException as exc:
            raise SinkError(f"webhook {self.url} did not answer in time ({_kind(exc)})") from None
        except httpx2.TransportError as exc:
            raise SinkError(f"webhook {self.url} unreachable: {_kind(exc)}: {exc}") from None
        _classify(self.url, response)

    def close(self) -> None:
        self._client.close()


def _kind(exc: Exception) -> str:
    return type(exc).__name__


def _classify(url: str, response: httpx2.Response) -> None:
    """Return on 2xx; otherwise raise a SinkError, retryable except for 410 Gone."""
    status = response.status_code
    if 200 <= status < 300:
        return
    text = response.text.strip().replace("\n", " ")
    detail = f": {text[:_BODY_TAIL]}" if text else ""
    message = f"webhook {url} answered {status} {response.reason_phrase}{detail}"
    if 300 <= status < 400:
        # Not followed (the body would be lost); retried in case the move is temporary.
        where = response.headers.get("location", "?")
        raise SinkError(f"{message}; it redirects to {where}: use that URL")
    if status == _GONE:
        raise SinkError(message, permanent=True)
    raise SinkError(message)
