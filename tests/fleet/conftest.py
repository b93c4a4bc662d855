"""Fixtures for the fleet: a real PostgreSQL and a fresh fleet schema per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests import pg


@pytest.fixture(scope="session")
def pg_dsn() -> Iterator[str]:
    with pg.running_postgres() as dsn:
        yield dsn


@pytest.fixture
def fleet_schema(pg_dsn: str) -> Iterator[str]:
    """A new, initialised fleet schema of its own, dropped after the test."""
    import psycopg

    from tickettailor.fleet.schema import init_schema

    schema = pg.unique_name("tt_fleet")
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        init_schema(conn, schema)
    yield schema
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
