"""``postgres:DSN``: a real PostgreSQL, the same upsert, exactly once by key."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from tests import pg
from tests.sinks import current_cases
from tests.sinks.conftest import MakeEnvelope
from tickettailor.sinks import PostgresSink, parse_sink_spec
from tickettailor.watch.sink import SinkError


@pytest.fixture
def table(pg_dsn: str) -> Iterator[str]:
    """A table name no other test uses; dropped afterwards."""
    name = pg.unique_name()
    yield name
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(name)))


def fetch(dsn: str, table: str) -> list[dict[str, Any]]:
    with psycopg.connect(dsn) as conn, conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        name = sql.Identifier(*table.split("."))
        cur.execute(sql.SQL("SELECT * FROM {} ORDER BY received_at, id").format(name))
        return cur.fetchall()


def test_creates_the_table_and_stores_typed_columns(
    pg_dsn: str, table: str, make_env: MakeEnvelope
) -> None:
    envelope = make_env()
    sink = parse_sink_spec(f"postgres,table={table}:{pg_dsn}")
    sink.send(envelope)
    sink.close()
    [row] = fetch(pg_dsn, table)
    assert row["id"] == envelope["id"]
    assert row["record_id"] == envelope["data"]["id"]
    assert row["type"] == "order.created"
    assert row["timestamp"] == datetime.fromisoformat(envelope["timestamp"])
    assert row["timestamp"].tzinfo is not None
    assert row["data"] == envelope["data"]  # jsonb, Zoë and all
    assert abs((row["received_at"] - datetime.now(UTC)).total_seconds()) < 300


def test_a_replay_applies_each_key_once(pg_dsn: str, table: str, make_env: MakeEnvelope) -> None:
    envelopes = [make_env() for _ in range(20)]
    first = PostgresSink(pg_dsn, table=table)
    for envelope in envelopes:
        first.send(envelope)
    first.close()
    replay = PostgresSink(pg_dsn, table=table)  # a restarted worker re-sending all
    for envelope in envelopes:
        replay.send(envelope)
    replay.close()
    assert sorted(row["id"] for row in fetch(pg_dsn, table)) == sorted(e["id"] for e in envelopes)


def test_workers_racing_to_create_the_table_all_succeed(
    pg_dsn: str, table: str, make_env: MakeEnvelope
) -> None:
    envelopes = [make_env() for _ in range(4)]
    errors: list[BaseException] = []
    start = threading.Barrier(len(envelopes))

    def work(envelope: Any) -> None:
        sink = PostgresSink(pg_dsn, table=table)
        start.wait()
        try:
            sink.send(envelope)
            sink.send(envelope)
        except BaseException as exc:
            errors.append(exc)
        finally:
            sink.close()

    threads = [threading.Thread(target=work, args=(e,)) for e in envelopes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(fetch(pg_dsn, table)) == len(envelopes)


def test_a_schema_qualified_table(pg_dsn: str, make_env: MakeEnvelope) -> None:
    schema = pg.unique_name("tt_schema")
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        sink = PostgresSink(pg_dsn, table=f"{schema}.orders")
        sink.send(make_env())
        sink.close()
        assert len(fetch(pg_dsn, f"{schema}.orders")) == 1
        assert sink.name.endswith(f"#{schema}.orders")
    finally:
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def test_a_connection_dropped_while_idle_is_replaced_unseen(
    pg_dsn: str, table: str, make_env: MakeEnvelope
) -> None:
    label = pg.unique_name("tt_app")
    sink = PostgresSink(make_conninfo(pg_dsn, application_name=label), table=table)
    sink.send(make_env())
    with psycopg.connect(pg_dsn, autocommit=True) as admin:
        killed = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
            (label,),
        ).fetchall()
    assert killed == [(True,)]
    later = make_env()
    sink.send(later)  # the server restarted, or an idle timeout hit: no error for that
    sink.close()
    assert [row["id"] for row in fetch(pg_dsn, table)][-1] == later["id"]


def test_data_the_database_refuses_is_permanent(
    pg_dsn: str, table: str, make_env: MakeEnvelope
) -> None:
    sink = PostgresSink(pg_dsn, table=table)
    # jsonb cannot hold a NUL character: retrying can never succeed.
    with pytest.raises(SinkError, match="unsupported Unicode escape") as caught:
        sink.send(make_env(notes="a\u0000b"))
    assert caught.value.permanent is True
    fine = make_env()
    sink.send(fine)  # the same connection carries on
    sink.close()
    assert [row["id"] for row in fetch(pg_dsn, table)] == [fine["id"]]


def test_the_password_never_shows(
    pg_dsn: str, table: str, make_env: MakeEnvelope, capfd: pytest.CaptureFixture[str]
) -> None:
    password = "pw-Sekr3t-x9"
    params = conninfo_to_dict(pg_dsn)
    # The test server trusts loopback, so it connects whatever the password says.
    good = PostgresSink(make_conninfo(pg_dsn, password=password), table=table)
    good.send(make_env())
    good.close()
    bad_port = make_conninfo(pg_dsn, password=password, port="1", host="127.0.0.1")
    bad = PostgresSink(bad_port, table=table, connect_timeout=2)
    with pytest.raises(SinkError) as caught:
        bad.send(make_env())
    assert caught.value.permanent is False
    assert "127.0.0.1:1" in str(caught.value)
    out, err = capfd.readouterr()
    for text in (good.name, repr(good), bad.name, str(caught.value), repr(caught.value), out, err):
        assert password not in text
    assert good.name == f"postgres:{params['user']}@{params['host']}:{params['port']}/" + (
        f"{params['dbname']}#{table}"
    )


# ---- mode=current: one row per record, never moved backwards --------------------------
@pytest.mark.parametrize("case", current_cases.CASES, ids=lambda case: case.__name__)
def test_current_state_table(pg_dsn: str, table: str, case: current_cases.Case) -> None:
    sink = parse_sink_spec(f"postgres,table={table},mode=current:{pg_dsn}")

    def read() -> dict[str, dict[str, Any]]:
        with psycopg.connect(pg_dsn) as conn:
            found = conn.execute(
                sql.SQL("SELECT record_id, data FROM {}").format(sql.Identifier(table))
            ).fetchall()
        return dict(found)

    try:
        case(sink.send, read)
    finally:
        sink.close()


def test_current_state_columns_and_a_replay_writes_nothing(pg_dsn: str, table: str) -> None:
    sink = PostgresSink(pg_dsn, table=table, mode="current")
    created = current_cases.order("order.created", current_cases.T0)
    cancelled = current_cases.order("order.updated", current_cases.T0 + 60, status="cancelled")
    sink.send(created)
    sink.send(cancelled)
    name = sql.Identifier(table)
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("UPDATE {} SET written_at = 'epoch'").format(name))
    sink.send(created)
    sink.send(cancelled)
    sink.close()
    [row] = fetch_current(pg_dsn, table)
    assert (row["object"], row["type"], row["envelope_id"]) == (
        "order",
        "order.updated",
        cancelled["id"],
    )
    assert row["timestamp"] == datetime.fromisoformat(cancelled["timestamp"])
    assert row["data"]["status"] == "cancelled"
    assert row["written_at"] == datetime(1970, 1, 1, tzinfo=UTC)  # not rewritten


def fetch_current(dsn: str, table: str) -> list[dict[str, Any]]:
    with psycopg.connect(dsn) as conn, conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        cur.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier(table)))
        return cur.fetchall()
