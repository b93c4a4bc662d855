"""``tickettailor fleet ...`` against a real PostgreSQL and the sandbox."""

from __future__ import annotations

import json

import psycopg
import pytest

from tests import pg
from tests.cli.conftest import invoke
from tests.conftest import OTHER_KEY, TEST_KEY
from tickettailor.fleet.db import Db
from tickettailor.fleet.registry import list_all
from tickettailor.fleet.schema import SCHEMA_VERSION
from tickettailor.fleet.secrets import Secrets, new_secret
from tickettailor.sandbox import RunningSandbox

SECRET = new_secret()


@pytest.fixture
def env(pg_dsn: str, fleet_schema: str, sandbox: RunningSandbox) -> dict[str, str]:
    return {
        "TICKETTAILOR_POSTGRES": pg_dsn,
        "TICKETTAILOR_FLEET_SCHEMA": fleet_schema,
        "TICKETTAILOR_FLEET_SECRET": SECRET,
        "TICKETTAILOR_BASE_URL": sandbox.base_url,
        "SHOP_KEY": TEST_KEY,
        "OTHER_KEY": OTHER_KEY,
        "TICKETTAILOR_API_KEY": None,  # type: ignore[dict-item]  # unset it
    }


def add(env: dict[str, str], name: str = "shop", var: str = "SHOP_KEY", *more: str, **extra: str):
    return invoke(
        "fleet", "add", name, "--api-key-env", var, "--sink", "jsonl:x.jsonl", *more, **env, **extra
    )


def test_init_creates_then_is_idempotent_and_refuses_a_newer_schema(pg_dsn: str) -> None:
    schema = pg.unique_name("tt_fleet")
    first = invoke("fleet", "init", "--postgres", pg_dsn, "--schema", schema)
    assert first.exit_code == 0, first.output
    assert "Created the fleet schema" in first.output
    again = invoke("fleet", "init", "--postgres", pg_dsn, "--schema", schema)
    assert again.exit_code == 0
    assert f"up to date (version {SCHEMA_VERSION})" in again.output
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f"UPDATE {schema}.schema_version SET version = 99")  # noqa: S608  (the test's own schema)
    for args in (("fleet", "init"), ("fleet", "list")):
        newer = invoke(*args, "--postgres", pg_dsn, "--schema", schema)
        assert newer.exit_code == 1
        assert "written by a newer tickettailor (schema version 99" in newer.output
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def _back_to_version_2(conn: psycopg.Connection, schema: str) -> None:
    conn.execute(f"DROP TABLE {schema}.webhook_inbox")
    conn.execute(f"ALTER TABLE {schema}.box_offices DROP COLUMN webhook_secret")
    conn.execute(f"UPDATE {schema}.schema_version SET version = 2")  # noqa: S608  (the test's own schema)


def test_init_migrates_a_version_1_schema_to_content_hashes(pg_dsn: str) -> None:
    schema = pg.unique_name("tt_fleet")
    assert invoke("fleet", "init", "--postgres", pg_dsn, "--schema", schema).exit_code == 0
    with psycopg.connect(pg_dsn, autocommit=True) as conn:  # back to what version 1 had
        _back_to_version_2(conn, schema)
        conn.execute(f"DROP TABLE {schema}.content_hashes")
        conn.execute(f"DROP INDEX {schema}.records_by_id")
        conn.execute(f"UPDATE {schema}.schema_version SET version = 1")  # noqa: S608  (the test's own schema)
    old = invoke("fleet", "list", "--postgres", pg_dsn, "--schema", schema)
    assert old.exit_code == 1
    assert "is at version 1" in old.output
    migrated = invoke("fleet", "init", "--postgres", pg_dsn, "--schema", schema)
    assert migrated.exit_code == 0, migrated.output
    assert f"from version 1 to {SCHEMA_VERSION}" in migrated.output
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f"SELECT record_id, hash, seen_at FROM {schema}.content_hashes")  # noqa: S608  (the test's own schema)
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def test_init_migrates_version_2_keeping_the_box_offices(
    env: dict[str, str], pg_dsn: str, fleet_schema: str
) -> None:
    assert add(env).exit_code == 0
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        _back_to_version_2(conn, fleet_schema)
    refused = invoke("webhooks", "serve", **env)
    assert refused.exit_code == 1
    assert "is at version 2, this tickettailor needs 3: run `tickettailor fleet init" in (
        refused.output
    )
    migrated = invoke("fleet", "init", **env)
    assert migrated.exit_code == 0, migrated.output
    assert "from version 2 to 3" in migrated.output
    listed = invoke("fleet", "list", "--format", "json", **env)
    assert [bo["name"] for bo in json.loads(listed.stdout)] == ["shop"]


def test_a_fleet_not_initialised_says_how_to_create_it(pg_dsn: str) -> None:
    result = invoke("fleet", "list", "--postgres", pg_dsn, "--schema", pg.unique_name("tt_none"))
    assert result.exit_code == 1
    assert "fleet init --postgres DSN" in result.output


def test_add_checks_the_key_and_stores_it_encrypted(
    env: dict[str, str], pg_dsn: str, fleet_schema: str, sandbox: RunningSandbox
) -> None:
    result = add(env, "shop", "SHOP_KEY", "--watch", "orders,check-ins", "--every", "5")
    assert result.exit_code == 0, result.output
    assert "Added shop:" in result.output
    hooked = add(env, "other", "OTHER_KEY", "--webhook-secret-env", "HOOK", HOOK="whsec_hook_1234")
    assert hooked.exit_code == 0, hooked.output
    listed = invoke("fleet", "list", **env)
    assert listed.exit_code == 0
    assert "shop" in listed.output
    assert "orders,check-ins" in listed.output
    assert TEST_KEY not in listed.output
    db = Db.open(pg_dsn, fleet_schema)
    try:
        rows = list_all(db)
        with db.tx() as conn:
            dump = str(conn.execute("SELECT * FROM box_offices").fetchall())
    finally:
        db.close()
    assert TEST_KEY not in dump  # only the ciphertext is stored
    assert "whsec_hook_1234" not in dump
    assert "secret set" in listed.output
    assert rows[0].webhook_secret(Secrets(SECRET)) == "whsec_hook_1234"
    assert rows[1].webhook_secret(Secrets(SECRET)) is None
    assert rows[1].api_key(Secrets(SECRET)) == TEST_KEY
    assert rows[1].base_url == sandbox.base_url
    assert rows[1].box_office  # the name /v1/overview gave


def test_pause_resume_remove_and_unknown_names(env: dict[str, str]) -> None:
    assert add(env).exit_code == 0
    assert invoke("fleet", "pause", "shop", **env).exit_code == 0
    assert "paused" in invoke("fleet", "list", **env).output
    assert invoke("fleet", "resume", "shop", **env).exit_code == 0
    assert "active" in invoke("fleet", "list", **env).output
    assert invoke("fleet", "remove", "shop", **env).exit_code == 0
    gone = invoke("fleet", "remove", "shop", **env)
    assert gone.exit_code == 2
    assert "no box office named 'shop'" in gone.output
    assert "no box offices yet" in invoke("fleet", "list", **env).output


def test_a_refused_key_is_not_added(env: dict[str, str]) -> None:
    result = add({**env, "SHOP_KEY": "sk_revoked_or_wrong"})
    assert result.exit_code == 1
    assert "sk_revoked_or_wrong" not in result.output
    assert "no box offices yet" in invoke("fleet", "list", **env).output


def test_missing_or_wrong_fleet_secret_is_refused(env: dict[str, str]) -> None:
    missing = add({**env, "TICKETTAILOR_FLEET_SECRET": None})  # type: ignore[dict-item]
    assert missing.exit_code == 2
    assert "TICKETTAILOR_FLEET_SECRET is not set" in missing.output
    garbage = add({**env, "TICKETTAILOR_FLEET_SECRET": "not-a-key"})
    assert garbage.exit_code == 2
    assert "fleet new-secret" in garbage.output
    assert add(env).exit_code == 0
    wrong = add({**env, "TICKETTAILOR_FLEET_SECRET": new_secret()}, "other", "OTHER_KEY")
    assert wrong.exit_code == 1
    assert "not the secret the fleet's box offices were added with" in wrong.output


def test_usage_mistakes_exit_2_with_one_line(env: dict[str, str]) -> None:
    both = invoke("fleet", "add", "x", "--sink", "-", **env)
    assert both.exit_code == 2
    assert "--api-key-env VAR or --api-key-file PATH" in both.output
    bad_watch = add(env, "x", "SHOP_KEY", "--watch", "orders,refunds")
    assert bad_watch.exit_code == 2
    assert "--watch refunds: choose from" in bad_watch.output
    no_db = invoke("fleet", "list", **{**env, "TICKETTAILOR_POSTGRES": None})  # type: ignore[dict-item]
    assert no_db.exit_code == 2
    assert "--postgres DSN" in no_db.output


def test_an_unreachable_database_is_one_sentence_without_the_password() -> None:
    dsn = "postgresql://tt:hunter2secret@127.0.0.1:1/fleet"
    result = invoke("fleet", "list", "--postgres", dsn)
    assert result.exit_code == 1
    assert "cannot connect to PostgreSQL at tt@127.0.0.1:1/fleet" in result.output
    assert "hunter2secret" not in result.output
    assert "Traceback" not in result.output
