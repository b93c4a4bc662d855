"""Certificates: checked against the system's CAs for an https server; a plain http://
server (the sandbox) gets a context that loads no CAs (start-up time) yet still refuses
anything it cannot verify, so it can never turn into an unverified https connection."""

from __future__ import annotations

import ssl
from typing import Any

import pytest

from tickettailor import AsyncClient, Client

KEY = "sk_1_1_" + "0" * 32


def _context(client: Client | AsyncClient) -> ssl.SSLContext:
    http: Any = client._core._http
    context = http._transport._pool._ssl_context  # httpx2's and httpcore2's internals
    assert isinstance(context, ssl.SSLContext)
    return context


@pytest.mark.parametrize("make", [Client, AsyncClient])
def test_an_https_server_is_verified_against_the_system_cas(
    make: type[Client] | type[AsyncClient],
) -> None:
    context = _context(make(KEY, base_url="https://api.tickettailor.com"))
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname
    assert context.cert_store_stats()["x509_ca"] > 0


@pytest.mark.parametrize("make", [Client, AsyncClient])
def test_a_plain_http_server_loads_no_cas_and_still_verifies(
    make: type[Client] | type[AsyncClient],
) -> None:
    context = _context(make(KEY, base_url="http://127.0.0.1:8765"))
    assert context.cert_store_stats()["x509_ca"] == 0  # trusts nothing...
    assert context.verify_mode == ssl.CERT_REQUIRED  # ...and accepts nothing unverified
    assert context.check_hostname
