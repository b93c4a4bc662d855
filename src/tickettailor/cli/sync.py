"""``tickettailor sync``: the box office into a database (dlt; DuckDB by default).

Thin: parses the options, runs ``tickettailor.dlt.run_sync``, shows a progress bar per
resource on a terminal and a summary. The library (dlt, httpx2) is imported inside the
command: ``tickettailor --help`` must not pay for it.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from tickettailor.dlt.sync import SyncResult

__all__ = ["register"]

RESOURCE_NAMES = (
    "orders, issued_tickets, check_ins, events, event_series, products, discounts, "
    "vouchers, holds, waitlist_signups, overview"
)
HELP = (
    "Load the box office into a database, then only what is new or changed.\n\n"
    "The first run loads everything. Later runs load new records, and the changes "
    "(refunds, cancellations, voids, event changes) that a budgeted re-check and a void "
    "scan find.\n\n"
    "Nested lists become child tables (orders__line_items...). Every table has a "
    "box_office_id column, so several box offices can share one dataset."
)
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw]?)\s*$")
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def _seconds(text: str) -> int:
    match = _DURATION.match(text.lower())
    if match is None:
        raise typer.BadParameter(f"{text!r} is not a duration: write e.g. 30d, 12h or 3600.")
    return int(match.group(1)) * _UNIT[match.group(2)]


def sync(
    ctx: typer.Context,
    resources: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="RESOURCE",
            help=f"What to sync (default: everything): {RESOURCE_NAMES}.",
            show_default=False,
        ),
    ] = None,
    destination: Annotated[
        str,
        typer.Option(
            "--destination",
            "-d",
            metavar="NAME",
            help="A dlt destination: duckdb (the file tickettailor.duckdb here), postgres, "
            "bigquery, snowflake... Credentials the dlt way: "
            "DESTINATION__<NAME>__CREDENTIALS or .dlt/secrets.toml.",
        ),
    ] = "duckdb",
    dataset: Annotated[
        str,
        typer.Option("--dataset", metavar="NAME", help="Schema (dataset) to load into."),
    ] = "box_office",
    full_refresh: Annotated[
        bool,
        typer.Option(
            "--full-refresh",
            help="Load all again, dropping what the API no longer lists: the tables go, or "
            "only this box office's rows when others share the dataset.",
        ),
    ] = False,
    pipeline_dir: Annotated[
        Path | None,
        typer.Option(
            "--pipeline-dir",
            metavar="DIR",
            help="dlt's working folder (default: under the user data dir, one per "
            "destination and dataset; the state is also kept in the destination).",
            show_default=False,
        ),
    ] = None,
    recheck_window: Annotated[
        str,
        typer.Option(
            "--recheck-window",
            metavar="DURATION",
            help="Orders and tickets created this recently are re-checked for changes "
            "(refunds, cancellations...); 0 turns the re-check off.",
        ),
    ] = "30d",
    recheck_budget: Annotated[
        int,
        typer.Option(
            "--recheck-budget",
            metavar="PAGES",
            min=0,
            help="List pages (100 records) per stream per sync spent on that re-check.",
        ),
    ] = 10,
) -> None:
    """Load the box office into a database, then only what is new or changed."""
    window = _seconds(recheck_window)
    # dlt warns on stderr about every column still all-null (a usual, harmless state of
    # a box office): only its errors belong on the user's screen.
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "ERROR")
    try:
        from tickettailor.dlt.sync import check_resources
    except ImportError:
        _fail("tickettailor sync needs dlt: pip install 'tickettailor[dlt]'", 2)
    names = check_resources(resources or [])
    tally: Counter[str] = Counter()
    client = _client(ctx, tally)
    started = time.monotonic()
    with _progress() as progress:
        from tickettailor.dlt.sync import run_sync

        result = run_sync(
            client,
            names,
            destination=destination,
            dataset=dataset,
            full_refresh=full_refresh,
            pipeline_dir=pipeline_dir,
            recheck_window=window,
            recheck_budget=recheck_budget,
            # No bars (not a terminal): no callback, which dlt would call for every record.
            progress=progress if progress.live is not None else None,
        )
    _summary(result, tally, time.monotonic() - started)


def _fail(message: str, code: int) -> None:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code)


def _client(ctx: typer.Context, tally: Counter[str]) -> Any:
    """The global options' client, on a transport that also counts requests per list."""
    import httpx2

    from tickettailor import Client
    from tickettailor.cli._context import _client_args, _no_key_in_cli_terms

    class Tally(httpx2.BaseTransport):
        def __init__(self) -> None:
            self.inner = httpx2.HTTPTransport()

        def handle_request(self, request: httpx2.Request) -> httpx2.Response:
            tally[_stream(request.url.path, request.url.params.get("status"))] += 1
            return self.inner.handle_request(request)

        def close(self) -> None:
            self.inner.close()

    with _no_key_in_cli_terms():
        client = Client(**_client_args(ctx), transport=Tally())
    ctx.call_on_close(client.close)
    return client


def _stream(path: str, status: str | None) -> str:
    parts = [p for p in path.split("/") if p and p != "v1"]
    if not parts:
        return "other"
    if parts[-1] == "waitlist_signups":
        return "waitlist_signups"
    if parts[0] == "issued_tickets" and status == "voided":
        return "void scan"
    if parts[0] == "orders" and len(parts) > 1:
        return "orders re-read"
    return parts[0]


class _Bars:
    """One progress bar per resource on a terminal; nothing otherwise."""

    def __init__(self) -> None:
        self.live: Any = None
        self.tasks: dict[str, Any] = {}
        self.last = 0.0

    def __enter__(self) -> _Bars:
        if sys.stderr.isatty() and not os.environ.get("CI"):
            from rich.console import Console
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self.live = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                TextColumn("{task.fields[records]}"),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self.live.__enter__()
        return self

    def __call__(self, resource: str, seen: int) -> None:
        if self.live is None:
            return
        now = time.monotonic()
        if resource in self.tasks and now - self.last < 0.1 and seen > 100 and seen % 1000:
            return  # rich redraws ten times a second: no need to tell it more often
        self.last = now
        records = f"{seen:>9,} records"
        task = self.tasks.get(resource)
        if task is None:
            task = self.live.add_task(f"{resource:<18}", total=None, records=records)
            self.tasks[resource] = task
        self.live.update(task, records=records)

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.__exit__(None, None, None)


def _progress() -> _Bars:
    return _Bars()


def _summary(result: SyncResult, tally: Counter[str], seconds: float) -> None:
    where = f"{result.destination}, dataset {result.dataset}"
    if result.destination == "duckdb" and not os.environ.get("DESTINATION__DUCKDB__CREDENTIALS"):
        where = f"tickettailor.duckdb, dataset {result.dataset}"
    typer.echo(f"Synced box office {result.box_office_id} into {where} in {seconds:.1f} s.")
    if result.rows:
        width = max(len(t) for t in result.rows)
        typer.echo(f"  {'table':<{width}}  rows loaded")
        for table, count in sorted(result.rows.items()):
            typer.echo(f"  {table:<{width}}  {count:>11,}")
    else:
        typer.echo("  Nothing new or changed.")
    spent = ", ".join(f"{name} {n}" for name, n in sorted(tally.items()))
    typer.echo(f"  requests: {sum(tally.values())} ({spent})")


def register(app: typer.Typer) -> None:
    """Add ``tickettailor sync`` to ``app``."""
    from tickettailor.cli._help import PANEL_MORE, epilog

    app.command(
        "sync",
        help=HELP,
        rich_help_panel=PANEL_MORE,
        epilog=epilog(
            "tickettailor sync",
            "tickettailor sync orders issued_tickets --dataset shop",
            "DESTINATION__POSTGRES__CREDENTIALS=postgresql://me@localhost/db "
            "tickettailor sync --destination postgres",
        ),
    )(sync)
