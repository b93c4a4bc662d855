"""A private sandbox per module that counts the API requests it serves, and the
``tickettailor sync`` command run in-process (typer's runner) in a temporary folder."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import httpx2
import pytest
from typer.testing import Result

from tests.cli.conftest import invoke
from tickettailor import Client
from tickettailor.sandbox import RunningSandbox, SandboxConfig, create_app, serve_in_thread

Hits = list[tuple[str, str, str]]  # (method, path, query) of each /v1 request


class CountRequests:
    """ASGI middleware: notes every ``/v1`` request the sandbox serves."""

    def __init__(self, app: Any, hits: Hits) -> None:
        self.app = app
        self.hits = hits

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/v1"):
            query = scope.get("query_string", b"").decode()
            self.hits.append((scope["method"], scope["path"], query))
        await self.app(scope, receive, send)


@dataclasses.dataclass
class Shop:
    """A sandbox of our own: its server, the requests it served, a client on it."""

    running: RunningSandbox
    hits: Hits
    client: Client

    @property
    def base_url(self) -> str:
        return self.running.base_url

    @property
    def key(self) -> str:
        return self.running.key

    def control(self, path: str, body: dict[str, Any] | None = None) -> Any:
        url = f"{self.base_url}/_sandbox/{path}"
        reply = httpx2.post(url, json=body or {}, auth=(self.key, ""), timeout=30)
        assert reply.status_code in (200, 201), reply.text
        return reply.json()

    def listed(self, resource: str, **filters: Any) -> list[dict[str, Any]]:
        return [r.raw for r in getattr(self.client, resource).list(**filters)]


@pytest.fixture(scope="module")
def shop(sandbox_config: SandboxConfig) -> Iterator[Shop]:
    hits: Hits = []
    app = create_app(dataclasses.replace(sandbox_config))
    app.add_middleware(CountRequests, hits=hits)
    with serve_in_thread(app=app) as running, Client(running.key, base_url=running.base_url) as c:
        yield Shop(running, hits, c)


SyncRun = Callable[..., Result]


@pytest.fixture
def run_sync_cli(
    shop: Shop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Result]:
    """``tickettailor sync ARGS`` in ``tmp_path`` (the DuckDB file lands there)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TICKETTAILOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TICKETTAILOR_BASE_URL", shop.base_url)
    monkeypatch.setenv("TICKETTAILOR_API_KEY", shop.key)

    def run(*args: str, **env: str | None) -> Result:
        return invoke("sync", *args, **env)

    return run


def query(path: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(path), read_only=True) as db:
        return db.sql(sql).fetchall()
