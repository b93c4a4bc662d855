"""Shared test fixtures: a local Ticket Tailor sandbox, in-process or on loopback.

Use them instead of mocking the API:

```python
def test_lists_orders(sandbox):                     # a real HTTP server on 127.0.0.1
    client = Client(sandbox.key, base_url=sandbox.base_url)
    ...

async def test_in_process(sandbox_app):             # the ASGI app, no socket
    transport = httpx2.ASGITransport(app=sandbox_app)
    ...
```

The data is deterministic (seed 7) and small: two box offices (``TEST_KEY`` and
``OTHER_KEY``), each with ``SANDBOX_ORDERS`` orders over ``SANDBOX_EVENTS`` events, rate
limit off. Need a rate limit, a permission-limited key or other data? Build a
``SandboxConfig`` (see ``sandbox_config``) and call ``create_app`` or the context manager
``tickettailor.sandbox.serve_in_thread``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette

from tests.fixtures import FIXTURES_DIR, load_fixture
from tickettailor.sandbox import RunningSandbox, SandboxConfig, create_app, serve_in_thread

TEST_KEY = "sk_1234_567890_0123456789abcdef0123456789abcdef"
OTHER_KEY = "sk_4321_098765_fedcba9876543210fedcba9876543210"
SANDBOX_SEED = 7
SANDBOX_ORDERS = 400
SANDBOX_EVENTS = 9


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """The folder of example API bodies kept in the repository (``tests/fixtures``)."""
    return FIXTURES_DIR


@pytest.fixture(scope="session")
def reference_fixture() -> Callable[[str], Any]:
    """``reference_fixture("order")`` -> the parsed JSON of ``tests/fixtures/order.json``."""
    return load_fixture


@pytest.fixture(scope="session")
def sandbox_config() -> SandboxConfig:
    """The config behind ``sandbox`` and ``sandbox_app``: keys ``TEST_KEY`` and
    ``OTHER_KEY`` (two box offices), seed 7, 400 orders over 9 events each, no rate
    limit, in-memory database, real clock. Derive variants with
    ``dataclasses.replace(sandbox_config, rate_limit=(5, 60))``."""
    return SandboxConfig(
        keys=(TEST_KEY, OTHER_KEY),
        seed=SANDBOX_SEED,
        orders=SANDBOX_ORDERS,
        events=SANDBOX_EVENTS,
        rate_limit=None,
    )


@pytest.fixture
def sandbox_app(sandbox_config: SandboxConfig) -> Starlette:
    """A fresh in-process sandbox (ASGI app) per test: safe to change its data.

    Drive it with ``httpx2.ASGITransport(app=sandbox_app)`` (async clients). The state is
    at ``sandbox_app.state.sandbox`` (``.store`` holds the SQLite data, ``.config``).
    """
    return create_app(sandbox_config)


@pytest.fixture(scope="module")
def sandbox(sandbox_config: SandboxConfig) -> Iterator[RunningSandbox]:
    """A sandbox served over real HTTP on 127.0.0.1, shared by the tests of one module.

    ``sandbox.base_url`` is the server root like ``"http://127.0.0.1:PORT"`` (the API is
    under ``/v1``); ``sandbox.key`` is ``TEST_KEY``; ``sandbox.keys`` both keys;
    ``sandbox.app`` the ASGI app; ``sandbox.sandbox.store`` the data. Treat its data as
    read-only (other tests in the module share it); use ``sandbox_app`` or
    ``serve_in_thread`` for a private one.
    """
    with serve_in_thread(dataclasses.replace(sandbox_config)) as running:
        yield running
