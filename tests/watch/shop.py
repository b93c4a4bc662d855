"""Helpers for running ``tickettailor watch`` against a private sandbox as a user would."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from tickettailor.sandbox import RunningSandbox, SandboxConfig, serve_in_thread


def private_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No TICKETTAILOR_* setting of the machine; config and data under ``tmp_path``."""
    for name in os.environ:
        if name.startswith("TICKETTAILOR_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("TICKETTAILOR_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("TICKETTAILOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TICKETTAILOR_TEST_MODE", "1")


@contextlib.contextmanager
def quiet_shop(key: str, *, seed: int, orders: int) -> Iterator[RunningSandbox]:
    """A sandbox of one box office whose history ends two days ago, so the last hours
    hold only the orders a test makes."""
    config = SandboxConfig(
        keys=[key], seed=seed, orders=orders, anchor=int(time.time()) - 2 * 86400
    )
    with serve_in_thread(config) as running:
        yield running


def new_order(sandbox: RunningSandbox, **body: Any) -> dict[str, Any]:
    """An order made through the sandbox's control API (``ago``: back-dated seconds)."""
    reply = httpx2.post(f"{sandbox.base_url}/_sandbox/orders", json=body)
    assert reply.status_code == 201, reply.text
    return reply.json()["data"][0]  # type: ignore[no-any-return]  # the control API's shape
