"""The fleet's PostgreSQL schema: created and migrated by ``tickettailor fleet init``.

Everything lives in one PostgreSQL schema (default ``tickettailor``; several fleets or
test runs can share a database under different names). ``schema_version`` holds the
version; ``init`` applies the missing migrations in one transaction under an advisory
lock (so two ``init`` at once are harmless) and refuses a schema newer than this
version knows. Every other entry point checks the version and refuses to run on a
missing or newer schema, with the command that fixes it.

Tables (``watch`` is ``BOX_OFFICE/RESOURCE`` in a fleet, any name otherwise):

- ``meta``, ``position``, ``records``, ``outbox``, ``status``: the watch state, as in
  the SQLite store (``tickettailor.watch.state``), one set of rows per watch.
- ``content_hashes``: every content hash seen per record (version 2; the SQLite
  store's schema 3, tickettailor.watch.changes).
- ``leases``: one row per lease name (a box office in a fleet): the fencing token, the
  holder and its expiry. Every state write updates the row by name *and token*, so a
  holder whose lease was taken cannot write; ``lease_audit`` keeps every token ever
  granted, with its holder and when it was granted and given up.
- ``box_offices``: the fleet's box offices, their key and sinks encrypted (Fernet).
- ``workers``: the live workers and when each was last seen (for the fair share).
- ``webhook_inbox``: every verified webhook delivery, one row per box office and
  delivery id (version 3), written by ``webhooks serve --postgres`` replicas and
  moved into the watches' outboxes by the worker holding the box office;
  ``box_offices.webhook_secret`` holds each box office's webhook secret (Fernet).
"""

from __future__ import annotations

from typing import Any

from tickettailor._core.errors import StateError

__all__ = ["SCHEMA_VERSION", "check_version", "init_schema", "quoted"]

SCHEMA_VERSION = 3
APP_ID = "tickettailor-fleet"
NOTIFY_CHANNEL = "tickettailor_fleet"

# Each entry migrates from the previous version; index 0 creates version 1.
_MIGRATIONS: list[str] = [
    """
CREATE TABLE meta (watch text NOT NULL, k text NOT NULL, v text NOT NULL,
    PRIMARY KEY (watch, k));
CREATE TABLE leases (
    name text PRIMARY KEY, token bigint NOT NULL DEFAULT 0, holder text, pid integer,
    host text, boot_id text, pid_ns text, started text,
    expires_at double precision NOT NULL DEFAULT 0
);
CREATE TABLE lease_audit (
    name text NOT NULL, token bigint NOT NULL, holder text NOT NULL,
    granted_at double precision NOT NULL, ended_at double precision,
    prev_holder text, prev_expires_at double precision, PRIMARY KEY (name, token)
);
CREATE TABLE position (
    watch text NOT NULL, stream text NOT NULL, watermark bigint, anchor text, "cursor" text,
    scan_max bigint, floor bigint NOT NULL, min_id bigint, PRIMARY KEY (watch, stream)
);
CREATE TABLE records (
    seq bigserial PRIMARY KEY, watch text NOT NULL, key text NOT NULL, type text NOT NULL,
    record_id text NOT NULL, record_num bigint, ts bigint NOT NULL, envelope text NOT NULL,
    stored_at double precision NOT NULL, UNIQUE (watch, key)
);
CREATE INDEX records_anchor ON records (watch, type, ts, record_num);
CREATE TABLE outbox (
    watch text NOT NULL, sink text NOT NULL, seq bigint NOT NULL REFERENCES records (seq),
    state text NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts integer NOT NULL DEFAULT 0, next_at double precision NOT NULL DEFAULT 0,
    last_error text, done_at double precision, failing_since double precision,
    PRIMARY KEY (watch, sink, seq)
);
CREATE INDEX outbox_queue ON outbox (watch, sink, state, seq);
CREATE TABLE status (watch text NOT NULL, k text NOT NULL, v text,
    PRIMARY KEY (watch, k));
CREATE TABLE box_offices (
    name text PRIMARY KEY, key_secret text NOT NULL, key_fingerprint text NOT NULL,
    box_office text, base_url text, watches text[] NOT NULL, sinks_secret text NOT NULL,
    every double precision NOT NULL, start text NOT NULL,
    paused boolean NOT NULL DEFAULT false, added_at double precision NOT NULL,
    error text, error_at double precision, refused boolean NOT NULL DEFAULT false
);
CREATE TABLE workers (
    id text PRIMARY KEY, host text NOT NULL, pid integer NOT NULL,
    started_at double precision NOT NULL, seen_at double precision NOT NULL
);
""",
    # 1 -> 2: every content seen per record (tickettailor.watch.changes); records stored
    # before are hashed when first compared (PgStateStore._seed_hashes).
    """
CREATE INDEX records_by_id ON records (watch, record_id);
CREATE TABLE content_hashes (
    watch text NOT NULL, record_id text NOT NULL, hash text NOT NULL,
    seen_at double precision NOT NULL, PRIMARY KEY (watch, record_id, hash)
);
""",
    # 2 -> 3: webhooks for the fleet (tickettailor.fleet.receiver): a secret per box
    # office (Fernet, as keys) and the inbox every receiver replica writes to.
    """
ALTER TABLE box_offices ADD COLUMN webhook_secret text;
CREATE TABLE webhook_inbox (
    box_office text NOT NULL, id text NOT NULL, seq bigserial NOT NULL, event text NOT NULL,
    resource text, state text NOT NULL CHECK (state IN ('pending', 'forwarded', 'kept', 'dead')),
    body bytea NOT NULL, received_at double precision NOT NULL, done_at double precision,
    last_error text, PRIMARY KEY (box_office, id)
);
CREATE INDEX webhook_inbox_queue ON webhook_inbox (box_office, state, seq);
""",
]


def quoted(schema: str) -> str:
    """``schema`` as a quoted SQL identifier."""
    return '"' + schema.replace('"', '""') + '"'


def _version(conn: Any, schema: str) -> int | None:
    """The schema's version, or None when it has no fleet schema (yet)."""
    row = conn.execute(
        "SELECT 1 FROM pg_tables WHERE schemaname = %s AND tablename = 'schema_version'",
        (schema,),
    ).fetchone()
    if row is None:
        return None
    found = conn.execute(f"SELECT version, app FROM {quoted(schema)}.schema_version").fetchone()  # noqa: S608  (quoted identifier)
    if found is None or found[1] != APP_ID:
        raise StateError(
            f"the PostgreSQL schema {schema!r} holds other data, not a tickettailor fleet: "
            "pass another --schema"
        )
    return int(found[0])


def _newer(schema: str, version: int) -> StateError:
    return StateError(
        f"the fleet schema {schema!r} was written by a newer tickettailor (schema version "
        f"{version}; this version knows up to {SCHEMA_VERSION}): upgrade tickettailor on "
        "this machine"
    )


def check_version(conn: Any, schema: str) -> None:
    """Refuse a missing, foreign or newer schema (StateError naming the fix)."""
    version = _version(conn, schema)
    if version is None:
        raise StateError(
            f"no tickettailor fleet in the PostgreSQL schema {schema!r}: create it with "
            "`tickettailor fleet init --postgres DSN`"
        )
    if version > SCHEMA_VERSION:
        raise _newer(schema, version)
    if version < SCHEMA_VERSION:
        raise StateError(
            f"the fleet schema {schema!r} is at version {version}, this tickettailor needs "
            f"{SCHEMA_VERSION}: run `tickettailor fleet init --postgres DSN` to migrate it"
        )


def init_schema(conn: Any, schema: str) -> tuple[int, int]:
    """Create or migrate the schema in one transaction; (version before, after)."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (APP_ID + ":" + schema,))
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {quoted(schema)}")
        before = _version(conn, schema)
        if before is not None and before > SCHEMA_VERSION:
            raise _newer(schema, before)
        conn.execute(f"SET LOCAL search_path TO {quoted(schema)}")
        if before is None:
            conn.execute(
                "CREATE TABLE schema_version (one integer PRIMARY KEY CHECK (one = 1), "
                "version integer NOT NULL, app text NOT NULL)"
            )
            conn.execute(
                "INSERT INTO schema_version VALUES (1, 0, %s)",
                (APP_ID,),
            )
        start = before or 0
        for migration in _MIGRATIONS[start:]:
            for statement in migration.split(";"):
                if statement.strip():
                    conn.execute(statement)
        conn.execute("UPDATE schema_version SET version = %s", (SCHEMA_VERSION,))
    return start, SCHEMA_VERSION
