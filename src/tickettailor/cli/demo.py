"""``tickettailor demo``: the main job on embedded defaults.

A local sandbox box office with live simulated sales, a watch on new orders, and each
order printed as it is delivered. Nothing here is demo-only machinery: it is the same
sandbox, client and watch a user runs, wired together in one process.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tickettailor.cli._help import PANEL_START, epilog

# The sandbox (uvicorn, starlette), the client and the watch are imported when the demo
# runs, not when the command line is parsed.
if TYPE_CHECKING:
    from rich.console import Console

    from tickettailor import Client
    from tickettailor.watch import CycleReport, Envelope, Watch


@cache
def _console() -> Console:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def _money(amount: int, currency: dict[str, Any] | None) -> str:
    code = str((currency or {}).get("code", "")).upper()
    multiplier = int((currency or {}).get("base_multiplier", 100)) or 1
    return f"{amount / multiplier:,.2f} {code}".strip()


def _order_line(envelope: Envelope) -> str:
    order = envelope["data"]
    buyer = order.get("buyer_details") or {}
    event = order.get("event_summary") or {}
    tickets = sum(int(li.get("quantity", 0)) for li in order.get("line_items") or [])
    when = datetime.fromtimestamp(int(order.get("created_at", 0))).strftime("%H:%M:%S")
    total = _money(order.get("total", 0), order.get("currency"))
    return (
        f"[dim]{when}[/dim]  [bold]{order['id']}[/bold]  {buyer.get('name') or '-'}  "
        f"{tickets} × {event.get('name') or '-'}  [green]{total}[/green]"
    )


class _Printer:
    """The demo's sink: one line per new order (a Python callable is a sink)."""

    name = "demo-terminal"

    def __init__(self) -> None:
        self.delivered = 0

    def send(self, envelope: Envelope) -> None:
        _console().print(_order_line(envelope))
        self.delivered += 1

    def close(self) -> None:
        return None


def _command() -> str:
    """How the user can call us: `make demo` runs .venv/bin/tickettailor, not on PATH."""
    if shutil.which("tickettailor") is None and Path(".venv/bin/tickettailor").exists():
        return ".venv/bin/tickettailor"
    return "tickettailor"


def _introduce(client: Client, base_url: str, key: str) -> None:
    """A few real API calls, so the user sees what the sandbox holds."""
    overview = client.overview()
    _console().print(f"Box office [bold]{overview.raw.get('box_office_name')}[/bold] at {base_url}")
    _console().print("Next events:")
    for event in client.events.list(start_at_gte="now", status="published", limit=3):
        start = (event.raw.get("start") or {}).get("formatted", "")
        _console().print(f"  {event.id}  {start}  {event.raw.get('name')}")
    week = sum(1 for _ in client.orders.list(created_gte="-7d"))
    _console().print(f"Orders in the last 7 days: {week}")
    _console().print(
        "\nTry it from another terminal:\n"
        f"  {_command()} --base-url {base_url} --api-key {key} orders list --created-gte -1h\n"
    )


def demo(
    sales_per_minute: Annotated[
        float,
        typer.Option(min=0.1, metavar="N", help="Simulated sales per minute in the sandbox."),
    ] = 30.0,
    every: Annotated[
        float, typer.Option(min=0.2, metavar="SECONDS", help="Seconds between watch cycles.")
    ] = 2.0,
    seed: Annotated[int, typer.Option(metavar="N", help="Sandbox data seed.")] = 1,
    duration: Annotated[
        float | None,
        typer.Option(
            min=1,
            metavar="SECONDS",
            help="Stop after this many seconds (default: until Ctrl-C).",
        ),
    ] = None,
    port: Annotated[
        int, typer.Option(min=0, max=65535, metavar="PORT", help="Sandbox port (0: any).")
    ] = 0,
) -> None:
    """Run a local box office with live sales and watch new orders arrive.

    Starts the sandbox (simulated sales at --sales-per-minute), connects a client to
    it, and runs `watch orders` from now on, printing each new order once. Ctrl-C stops.
    """
    from tickettailor import Client
    from tickettailor.sandbox import SandboxConfig, serve_in_thread
    from tickettailor.watch import Watch

    config = SandboxConfig(seed=seed, orders=500, sales_per_minute=sales_per_minute)
    _console().print(
        f"Starting a local Ticket Tailor sandbox ({sales_per_minute:g} sales a minute)…"
    )
    with serve_in_thread(config, port=port) as sandbox, tempfile.TemporaryDirectory() as tmp:
        client = Client(api_key=sandbox.key, base_url=sandbox.base_url)
        _introduce(client, sandbox.base_url, sandbox.key)
        printer = _Printer()
        stop = threading.Event()
        if duration is not None:
            timer = threading.Timer(duration, stop.set)
            timer.daemon = True
            timer.start()

        def report(_watch: Watch, cycle: CycleReport) -> None:
            problems = [cycle.fetch_error, *cycle.sink_errors.values()]
            for problem in filter(None, problems):
                _console().print(f"[yellow]watch: {problem} (retrying next cycle)[/yellow]")

        _console().print(f"Watching for new orders every {every:g} s (Ctrl-C to stop)…")
        state = Path(tmp) / "orders.sqlite3"
        try:
            # The demo shows new orders; changes (order.updated) are `watch orders`'.
            demo = Watch("orders", client=client, sinks=[printer], state=state, updates=False)
            with demo as watch:
                watch.run(every=every, stop=stop, on_cycle=report)
        except KeyboardInterrupt:
            pass
        finally:
            stop.set()
            client.close()
        _console().print(f"\nStopped. {printer.delivered} new orders delivered, each once.")


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app`` (called by ``cli/main.py``)."""
    app.command(
        "demo",
        rich_help_panel=PANEL_START,
        epilog=epilog(
            "tickettailor demo",
            "tickettailor demo --sales-per-minute 120 --every 1",
            "tickettailor demo --duration 30   # stop by itself after 30 seconds",
        ),
    )(demo)
