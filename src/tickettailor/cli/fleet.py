"""``tickettailor fleet ...``: a fleet's box offices in PostgreSQL (see docs/fleet.md).

Every fleet command names the database with ``--postgres DSN`` (or
``TICKETTAILOR_POSTGRES``) and the schema with ``--schema`` (default ``tickettailor``).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from tickettailor.cli._context import FormatOption, emit_records, user_tz
from tickettailor.cli._help import PANEL_WATCH, epilog

POSTGRES_ENV = "TICKETTAILOR_POSTGRES"
SCHEMA_ENV = "TICKETTAILOR_FLEET_SCHEMA"


def postgres_option(
    text: str = "The fleet's PostgreSQL, e.g. postgresql://USER@HOST:5432/DB.",
) -> Any:
    """``--postgres DSN``, also read from ``TICKETTAILOR_POSTGRES`` (every fleet command)."""
    return typer.Option(
        "--postgres",
        envvar=POSTGRES_ENV,
        show_envvar=True,
        metavar="DSN",
        help=text,
        show_default=False,
    )


PostgresOpt = Annotated[str, postgres_option()]
SchemaOpt = Annotated[
    str,
    typer.Option(
        "--schema",
        envvar=SCHEMA_ENV,
        show_envvar=True,
        metavar="NAME",
        help="The PostgreSQL schema holding the fleet (several fleets can share a database).",
    ),
]
WebhookSecretEnvOpt = Annotated[
    str | None,
    typer.Option(
        "--webhook-secret-env",
        metavar="VAR",
        help="Read the box office's webhook secret from this variable (webhooks serve --postgres).",
    ),
]
WebhookSecretFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--webhook-secret-file", metavar="PATH", help="Read the webhook secret from this file."
    ),
]
NameArg = Annotated[str, typer.Argument(metavar="NAME", help="The box office's name in the fleet.")]

fleet = typer.Typer(
    help="Many box offices, many workers, one PostgreSQL: the fleet's box offices.",
    no_args_is_help=True,
    epilog=epilog(
        "tickettailor fleet init --postgres postgresql://tt@db/tt",
        "tickettailor fleet add shop --api-key-env SHOP_KEY --sink postgres:postgresql://tt@db/tt",
        "tickettailor fleet status",
    ),
)


def register(app: typer.Typer) -> None:
    """Add ``fleet`` and ``worker`` to the ``tickettailor`` command."""
    from tickettailor.cli import worker

    app.add_typer(fleet, name="fleet", rich_help_panel=PANEL_WATCH)
    worker.register(app)


def _db(dsn: str, schema: str) -> Any:
    from tickettailor.fleet.db import Db

    return Db.open(_need(dsn), schema)


def _need(dsn: str) -> str:
    if not dsn.strip():
        from tickettailor import UsageError

        raise UsageError(f"--postgres DSN (or {POSTGRES_ENV}) names the fleet's database")
    return dsn


@fleet.command("init", epilog=epilog("tickettailor fleet init --postgres postgresql://tt@db/tt"))
def init(postgres: PostgresOpt = "", schema: SchemaOpt = "tickettailor") -> None:
    """Create the fleet's tables, or migrate them to this version (safe to repeat)."""
    from tickettailor.fleet.schema import init_schema

    db = _db(postgres, schema)
    try:
        with db.errors():
            before, after = init_schema(db.conn, schema)
    finally:
        db.close()
    if before == after:
        typer.echo(f"The fleet schema {schema!r} is up to date (version {after}).")
    elif before == 0:
        typer.echo(f"Created the fleet schema {schema!r} (version {after}).")
    else:
        typer.echo(f"Migrated the fleet schema {schema!r} from version {before} to {after}.")


@fleet.command("new-secret", epilog=epilog("tickettailor fleet new-secret > fleet.secret"))
def new_secret_command() -> None:
    """Print a new fleet secret (for TICKETTAILOR_FLEET_SECRET; keep it safe)."""
    from tickettailor.fleet.secrets import new_secret

    typer.echo(new_secret())


@fleet.command(
    "add",
    epilog=epilog(
        "tickettailor fleet add shop --api-key-env SHOP_KEY --sink jsonl:shop.jsonl",
        "tickettailor fleet add venue --api-key-file venue.key --watch orders,check-ins "
        "--sink postgres:postgresql://tt@db/tt --every 30 --start all",
    ),
)
def add(
    ctx: typer.Context,
    name: NameArg,
    api_key_env: Annotated[
        str | None,
        typer.Option("--api-key-env", metavar="VAR", help="Read the API key from this variable."),
    ] = None,
    api_key_file: Annotated[
        Path | None,
        typer.Option("--api-key-file", metavar="PATH", help="Read the API key from this file."),
    ] = None,
    watch: Annotated[
        str, typer.Option("--watch", metavar="LIST", help="What to watch (comma list).")
    ] = "orders",
    sink: Annotated[
        list[str] | None,
        typer.Option(
            "--sink", metavar="SPEC", help="Where records go, as `watch --sink` (repeat)."
        ),
    ] = None,
    every: Annotated[
        float, typer.Option("--every", metavar="SECONDS", help="Seconds between polls.")
    ] = 60.0,
    start: Annotated[
        str, typer.Option("--start", metavar="WHEN", help="now, all, a date or an id.")
    ] = "now",
    webhook_secret_env: WebhookSecretEnvOpt = None,
    webhook_secret_file: WebhookSecretFileOpt = None,
    postgres: PostgresOpt = "",
    schema: SchemaOpt = "tickettailor",
) -> None:
    """Add a box office: its key (checked, then stored encrypted), watches and sinks."""
    from tickettailor.cli._context import settings
    from tickettailor.fleet import registry
    from tickettailor.fleet.secrets import Secrets
    from tickettailor.watch.engine import fingerprint

    secrets = Secrets.from_env()
    registry.check_name(name)
    watches = registry.check_names([w.strip() for w in watch.split(",") if w.strip()])
    specs = _check_sinks(sink or [])
    _check_start(watches, start, every)
    key = _read_key(api_key_env, api_key_file)
    webhook_secret = None
    if webhook_secret_env is not None or webhook_secret_file is not None:
        webhook_secret = _read_webhook_secret(webhook_secret_env, webhook_secret_file)
    base_url = settings(ctx).base_url
    box_office = _overview(key, base_url)
    db = _db(postgres, schema)
    try:
        registry.add(
            db,
            secrets,
            name=name,
            api_key=key,
            key_fingerprint=fingerprint(key),
            box_office=box_office,
            base_url=base_url,
            watches=watches,
            sinks=specs,
            every=every,
            start=start,
            webhook_secret=webhook_secret,
        )
    finally:
        db.close()
    typer.echo(f"Added {name}: {box_office}, watching {', '.join(watches)}.")


@fleet.command(
    "set-webhook-secret",
    epilog=epilog(
        "tickettailor fleet set-webhook-secret shop --webhook-secret-env SHOP_WEBHOOK_SECRET",
        "tickettailor fleet set-webhook-secret shop --clear",
    ),
)
def set_webhook_secret(
    name: NameArg,
    webhook_secret_env: WebhookSecretEnvOpt = None,
    webhook_secret_file: WebhookSecretFileOpt = None,
    clear: Annotated[
        bool, typer.Option("--clear", help="Forget the secret: its webhooks are refused.")
    ] = False,
    postgres: PostgresOpt = "",
    schema: SchemaOpt = "tickettailor",
) -> None:
    """Set a box office's webhook secret (stored encrypted), for `webhooks serve --postgres`."""
    from tickettailor import UsageError
    from tickettailor.fleet import registry
    from tickettailor.fleet.secrets import Secrets

    secrets = Secrets.from_env()
    given = webhook_secret_env is not None or webhook_secret_file is not None
    if clear == given:
        raise UsageError(
            "give the webhook secret with --webhook-secret-env VAR or --webhook-secret-file "
            "PATH, or --clear to forget it (one)"
        )
    secret = None if clear else _read_webhook_secret(webhook_secret_env, webhook_secret_file)
    db = _db(postgres, schema)
    try:
        registry.set_webhook_secret(db, secrets, name, secret)
    finally:
        db.close()
    done = "Cleared" if clear else "Set"
    typer.echo(f"{done} the webhook secret of {name}; receivers use it within 10 seconds.")


def _read_webhook_secret(env: str | None, path: Path | None) -> str:
    return _read_secret(env, path, "--webhook-secret", "webhook secret")


def serve_fleet_webhooks(
    ctx: typer.Context, postgres: str, schema: str, *, host: str, port: int
) -> None:
    """``webhooks serve --postgres``: receive for every box office of the fleet."""
    from tickettailor.cli._context import EXIT_INTERRUPTED
    from tickettailor.cli.webhooks import _stop_on_signals
    from tickettailor.fleet.db import check_schema_name
    from tickettailor.fleet.logs import setup_logging
    from tickettailor.fleet.receiver import FleetReceiver, serve
    from tickettailor.fleet.secrets import Secrets

    _refuse_single_options(ctx)
    receiver = FleetReceiver(_need(postgres), check_schema_name(schema), Secrets.from_env())
    receiver.check()  # a wrong schema or fleet secret: told before anything starts
    setup_logging("text")

    def ready(url: str) -> None:
        typer.echo(
            f"Receiving the fleet's webhooks at {url}<box office name> (one webhook per box "
            "office in Ticket Tailor, signed with its secret: `fleet set-webhook-secret`). "
            "Ctrl-C stops.",
            err=True,
        )

    stop = threading.Event()
    with _stop_on_signals(stop) as interrupted:
        serve(receiver, host=host, port=port, stop=stop, on_ready=ready)
    typer.echo("Stopped; every acknowledged delivery is stored.", err=True)
    if interrupted.is_set():
        raise typer.Exit(EXIT_INTERRUPTED)


_SINGLE_ONLY = {
    "resources": "RESOURCE",
    "path": "--path",
    "secret": "--secret",
    "secret_file": "--secret-file",
    "sink": "--sink",
    "sink_secret": "--sink-secret",
    "sink_secret_file": "--sink-secret-file",
    "state": "--state",
    "allow_unsigned": "--allow-unsigned",
    "refetch": "--refetch",
}


def _refuse_single_options(ctx: typer.Context) -> None:
    from tickettailor import UsageError

    for param, option in _SINGLE_ONLY.items():
        source = ctx.get_parameter_source(param)
        if source is not None and source.name == "COMMANDLINE":
            raise UsageError(
                f"{option} is for one box office; with --postgres (or TICKETTAILOR_POSTGRES) "
                "the receiver serves the fleet: each box office's secret, watches and sinks "
                "are set with `tickettailor fleet add` / `fleet set-webhook-secret`"
            )


def _read_key(env: str | None, path: Path | None) -> str:
    return _read_secret(env, path, "--api-key", "API key")


def _read_secret(env: str | None, path: Path | None, option: str, what: str) -> str:
    """A secret from the variable ``env`` or the file ``path`` (exactly one given)."""
    from tickettailor import UsageError

    if (env is None) == (path is None):
        raise UsageError(f"give the {what} with {option}-env VAR or {option}-file PATH (one)")
    if env is not None:
        value = os.environ.get(env, "").strip()
        if not value:
            raise UsageError(f"{option}-env {env}: that variable is not set or empty")
        return value
    assert path is not None
    try:
        value = path.read_text("utf-8").strip()
    except (OSError, UnicodeDecodeError):
        raise UsageError(f"{option}-file {path}: cannot read it") from None
    if not value:
        raise UsageError(f"{option}-file {path} is empty: put the {what} in it")
    return value


def _check_sinks(specs: list[str]) -> list[str]:
    from tickettailor import UsageError
    from tickettailor.sinks.spec import parse_sink_spec

    if not specs:
        raise UsageError("a box office needs at least one --sink SPEC (as `watch --sink`)")
    for spec in specs:
        parse_sink_spec(spec).close()  # a mistake is told now, not by a worker later
    return specs


def _check_start(watches: tuple[str, ...], start: str, every: float) -> None:
    import time

    from tickettailor import UsageError
    from tickettailor.watch.engine import start_positions
    from tickettailor.watch.triggers import get_trigger

    if not 1 <= every <= 86400:
        raise UsageError(f"--every {every}: give 1 to 86400 seconds")
    for name in watches:
        start_positions(get_trigger(name), start, now=time.time())


def _overview(key: str, base_url: str | None) -> str:
    """``NAME (CURRENCY)`` of the key's box office: proves the key works."""
    from tickettailor import Client

    with Client(api_key=key, base_url=base_url, max_retries=2) as client:
        body = client.request("GET", "/v1/overview").body
    name = body.get("box_office_name") if isinstance(body, dict) else None
    currency = body.get("currency") if isinstance(body, dict) else None
    code = currency.get("code") if isinstance(currency, dict) else None
    return f"{name} ({code})" if code else str(name)


@fleet.command(
    "list", epilog=epilog("tickettailor fleet list", "tickettailor fleet list --format json")
)
def list_command(
    ctx: typer.Context,
    fmt: FormatOption = None,
    postgres: PostgresOpt = "",
    schema: SchemaOpt = "tickettailor",
) -> None:
    """List the fleet's box offices (keys and sinks are never shown: they are encrypted)."""
    from tickettailor.fleet import registry

    db = _db(postgres, schema)
    try:
        rows = registry.list_all(db)
    finally:
        db.close()
    if not rows:
        typer.echo("The fleet has no box offices yet: add one with `tickettailor fleet add`.")
        return
    records = [
        {
            "name": bo.name,
            "box_office": bo.box_office,
            "watches": ",".join(bo.watches),
            "every": bo.every,
            "state": "paused" if bo.paused else ("key refused" if bo.refused else "active"),
            "webhooks": "secret set" if bo.webhook_secret_sealed else "-",
            "key_fingerprint": bo.key_fingerprint,
            "base_url": bo.base_url,
        }
        for bo in rows
    ]
    emit_records(records, fmt, kind=None, zone=user_tz(ctx), noun="box offices", progress=False)


def _table(lines: Sequence[tuple[str, ...]]) -> None:
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    for line in lines:
        typer.echo("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())


@fleet.command("remove", epilog=epilog("tickettailor fleet remove shop"))
def remove(name: NameArg, postgres: PostgresOpt = "", schema: SchemaOpt = "tickettailor") -> None:
    """Remove a box office and its state from the fleet."""
    from tickettailor.fleet import registry

    db = _db(postgres, schema)
    try:
        registry.remove(db, name)
    finally:
        db.close()
    typer.echo(f"Removed {name}.")


@fleet.command("pause", epilog=epilog("tickettailor fleet pause shop"))
def pause(name: NameArg, postgres: PostgresOpt = "", schema: SchemaOpt = "tickettailor") -> None:
    """Stop polling a box office (its worker hands it back); `resume` starts it again."""
    _set_paused(name, postgres, schema, paused=True)


@fleet.command("resume", epilog=epilog("tickettailor fleet resume shop"))
def resume(name: NameArg, postgres: PostgresOpt = "", schema: SchemaOpt = "tickettailor") -> None:
    """Poll a paused box office again."""
    _set_paused(name, postgres, schema, paused=False)


def _set_paused(name: str, postgres: str, schema: str, *, paused: bool) -> None:
    from tickettailor.fleet import registry

    db = _db(postgres, schema)
    try:
        registry.set_paused(db, name, paused)
    finally:
        db.close()
    typer.echo(f"{'Paused' if paused else 'Resumed'} {name}.")


@fleet.command("status", epilog=epilog("tickettailor fleet status"))
def status(postgres: PostgresOpt = "", schema: SchemaOpt = "tickettailor") -> None:
    """A table of box offices: the worker holding each, lag, backlog, last error."""
    from tickettailor.fleet.status import fleet_rows

    rows = fleet_rows(_need(postgres), schema)
    if not rows:
        typer.echo("The fleet has no box offices yet: add one with `tickettailor fleet add`.")
        return
    lines = [("NAME", "STATE", "WORKER", "LAG", "BACKLOG", "LAST ERROR")]
    for row in rows:
        state = "paused" if row.paused else ("key refused" if row.refused else "active")
        known = [v for v in row.lag.values() if v is not None]
        lag = f"{max(known):.0f}s" if known else "-"
        lines.append((row.name, state, row.holder or "-", lag, str(row.backlog), row.error or ""))
    _table(lines)
