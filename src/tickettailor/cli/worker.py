"""``tickettailor worker``: one of the fleet's identical workers (see docs/fleet.md)."""

from __future__ import annotations

import signal
import threading
from typing import Annotated, Any

import typer

from tickettailor.cli._help import PANEL_WATCH, epilog
from tickettailor.cli.fleet import PostgresOpt, SchemaOpt


def register(app: typer.Typer) -> None:
    app.command(
        "worker",
        rich_help_panel=PANEL_WATCH,
        epilog=epilog(
            "tickettailor worker --postgres postgresql://tt@db/tt",
            "tickettailor worker --max-box-offices 500 --metrics-port 9100 --log-format json",
        ),
    )(worker)


def worker(
    postgres: PostgresOpt = "",
    schema: SchemaOpt = "tickettailor",
    max_box_offices: Annotated[
        int | None,
        typer.Option("--max-box-offices", min=1, metavar="N", help="Hold at most N box offices."),
    ] = None,
    metrics_port: Annotated[
        int | None,
        typer.Option(
            "--metrics-port",
            min=0,
            max=65535,
            metavar="PORT",
            help="Serve /metrics, /healthz, /readyz and the status page / on this port.",
        ),
    ] = None,
    lease_ttl: Annotated[
        float,
        typer.Option(
            "--lease-ttl",
            min=3,
            max=3600,
            metavar="SECONDS",
            help="A killed worker's box offices go to others after this long.",
        ),
    ] = 30.0,
    log_format: Annotated[
        str, typer.Option("--log-format", metavar="FORMAT", help="text or json.")
    ] = "text",
    db_connections: Annotated[
        int,
        typer.Option(
            "--db-connections",
            min=1,
            max=100,
            metavar="N",
            help="State connections shared by the box offices held (plus 2: control and "
            "LISTEN). Sizing: docs/fleet.md.",
        ),
    ] = 4,
) -> None:
    """Run a fleet worker: claim a fair share of the box offices and watch them.

    Ctrl-C or SIGTERM hands every box office back at once.
    """
    # The handlers go in before the fleet code is imported (about 0.2 s): a SIGTERM
    # while the worker starts (an orchestrator scaling down a worker it just started)
    # is a clean stop, exit 0, not death by the signal. Until the runner exists, the
    # stop event is all there is to set: ``Worker.run`` checks it before claiming.
    stop = threading.Event()
    runner: Worker | None = None

    def on_signal(_signum: int, _frame: Any) -> None:
        stop.set()
        if runner is not None:
            runner.wake.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    from tickettailor import UsageError
    from tickettailor.fleet.logs import setup_logging
    from tickettailor.fleet.secrets import Secrets
    from tickettailor.fleet.worker import Worker

    if not postgres.strip():
        raise UsageError("--postgres DSN (or TICKETTAILOR_POSTGRES) names the fleet's database")
    if log_format not in ("text", "json"):
        raise UsageError(f"--log-format {log_format!r}: use text or json")
    setup_logging(log_format)
    from tickettailor.fleet.db import check_schema_name

    check_schema_name(schema)
    runner = Worker(
        postgres,
        schema,
        secrets=Secrets.from_env(),
        lease_ttl=lease_ttl,
        max_box_offices=max_box_offices,
        connections=db_connections,
    )
    server = None
    if metrics_port is not None:
        from tickettailor.fleet.web import serve

        server = serve(runner, metrics_port)
    try:
        runner.run(stop)
    finally:
        if server is not None:
            server.shutdown()
    typer.echo(f"Worker {runner.id} stopped; its box offices were handed back.", err=True)
