"""``tickettailor webhooks serve``: receive Ticket Tailor's webhooks into the watches.

A thin shell over ``tickettailor.webhooks.serve_webhooks``: options in, a banner with
the URL to paste into Ticket Tailor and the events to tick, the receiver's log on
stderr (refusals always, each stored delivery with ``-v``), envelopes to the sinks.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
import threading
from pathlib import Path
from typing import Annotated, Any

import typer

from tickettailor.cli._context import EXIT_USAGE, fail, get_client, settings
from tickettailor.cli._help import PANEL_WATCH, epilog
from tickettailor.cli.main import app

webhooks = typer.Typer(
    help="Receive Ticket Tailor's webhooks: verified, stored, delivered once.",
    no_args_is_help=True,
)
app.add_typer(webhooks, name="webhooks", rich_help_panel=PANEL_WATCH)

SECRET_ENV = "TICKETTAILOR_WEBHOOK_SECRET"  # noqa: S105  (a variable name, not a secret)


@webhooks.command(
    "serve",
    help=(
        "Receive webhooks and deliver new orders, issued tickets (and voids) and events "
        "to the sinks, with the same envelopes and keys as `tickettailor watch` and in "
        "the same state, so a record seen both ways is delivered once.\n\n"
        "RESOURCES: which watches to feed (default: orders issued-tickets events)."
    ),
    epilog=epilog(
        "tickettailor webhooks serve --secret whsec_... --sink jsonl:orders.jsonl",
        "TICKETTAILOR_WEBHOOK_SECRET=... tickettailor webhooks serve orders --port 9000",
        "tickettailor webhooks serve --host 0.0.0.0 --refetch --sink sqlite:shop.db",
    ),
)
def serve(
    ctx: typer.Context,
    resources: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="RESOURCE", help="orders, issued-tickets, events.", show_default=False
        ),
    ] = None,
    host: Annotated[
        str,
        typer.Option(
            "--host", metavar="HOST", help="Address to listen on (0.0.0.0: every interface)."
        ),
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, metavar="PORT", help="Port.")
    ] = 8000,
    path: Annotated[str, typer.Option("--path", metavar="PATH", help="URL path to receive on.")] = (
        "/tickettailor"
    ),
    secret: Annotated[
        str | None,
        typer.Option(
            "--secret",
            envvar=SECRET_ENV,
            metavar="SECRET",
            help="The webhook's secret, shown when it was created in Ticket Tailor.",
            show_default=False,
        ),
    ] = None,
    sink: Annotated[
        list[str] | None,
        typer.Option(
            "--sink",
            metavar="SPEC",
            help="Where envelopes go (repeatable): -, jsonl:PATH, webhook:URL, "
            "sqlite:PATH, postgres:DSN, exec:COMMAND. Default: - (stdout).",
            show_default=False,
        ),
    ] = None,
    sink_secret: Annotated[
        str | None,
        typer.Option(
            "--sink-secret",
            envvar="TICKETTAILOR_SINK_SECRET",
            show_envvar=True,
            metavar="SECRET",
            help="Secret (whsec_...) for signing webhook: sinks.",
            show_default=False,
        ),
    ] = None,
    state: Annotated[
        Path | None,
        typer.Option(
            "--state",
            metavar="PATH",
            help="Folder of the watch states (<resource>.sqlite3) and the inbox. Default: "
            "the folder `tickettailor watch` uses for this profile.",
            show_default=False,
        ),
    ] = None,
    allow_unsigned: Annotated[
        bool,
        typer.Option(
            "--allow-unsigned", help="Accept unsigned deliveries (webhooks with no secret)."
        ),
    ] = False,
    refetch: Annotated[
        bool,
        typer.Option(
            "--refetch", help="GET each record from the API before delivering it (needs a key)."
        ),
    ] = False,
) -> None:
    from tickettailor.sinks import parse_sink_spec
    from tickettailor.webhooks import RESOURCES, ReceiverSettings, serve_webhooks

    chosen = tuple(resources or RESOURCES)
    client = _client(ctx, needed=refetch or state is None)
    folder = state if state is not None else _default_folder(ctx)
    receiver = ReceiverSettings(
        secret=secret,
        path=path,
        allow_unsigned=allow_unsigned,
        resources=chosen,
        api_root=client.base_url if refetch and client is not None else None,
    )
    sinks = [parse_sink_spec(spec, secret=sink_secret) for spec in (sink or ["-"])]
    _log_to_stderr(verbose=settings(ctx).verbose > 0)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is the normal way to stop
        serve_webhooks(
            receiver,
            sinks=sinks,
            state_dir=folder,
            host=host,
            port=port,
            client=client,
            key_fingerprint=_fingerprint(client),
            stop=stop,
            on_ready=lambda rx: _banner(rx.url, receiver, host, folder, sinks),
        )
    typer.echo("Stopped; every acknowledged delivery is stored.", err=True)


def _client(ctx: typer.Context, *, needed: bool) -> Any:
    """The API client, or None when there is no key and none is needed."""
    from tickettailor import UsageError

    try:
        return get_client(ctx)
    except UsageError as exc:
        if needed:
            fail(
                f"{exc} (the receiver needs a key for --refetch, and to find the watch "
                "state folder unless --state is given)",
                EXIT_USAGE,
            )
        return None


def _fingerprint(client: Any) -> str | None:
    # The watch keeps the key's fingerprint in its state; use the watch's own helper.
    from tickettailor.watch.engine import client_fingerprint

    return client_fingerprint(client)


def _default_folder(ctx: typer.Context) -> Path:
    # Exactly the folder `tickettailor watch` keeps its states in, so both feed one
    # outbox per resource; the watch command owns that rule.
    from tickettailor.cli.watch import _state_path

    return _state_path(ctx, "orders", None, False).parent


def _log_to_stderr(*, verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    logger = logging.getLogger("tickettailor.webhooks")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO if verbose else logging.WARNING)


def _banner(url: str, receiver: Any, host: str, folder: Path, sinks: list[Any]) -> None:
    from tickettailor.webhooks import events_for

    events = ", ".join(events_for(list(receiver.resources)))
    lines = [
        f"Receiving Ticket Tailor webhooks at {url}",
        "In Ticket Tailor: Settings -> API -> Webhooks, add one webhook per event:",
        f"  events: {events}",
        f"  URL:    {url}"
        + (
            ""
            if host not in ("127.0.0.1", "localhost", "::1")
            else "  (Ticket Tailor needs a public https URL: put this behind "
            "a reverse proxy or tunnel and paste that URL)"
        ),
        f"  secret: copy it when creating the webhook and pass it as --secret or ${SECRET_ENV}",
        f"Delivering to {', '.join(s.name for s in sinks)}; state in {folder}. Ctrl-C stops.",
    ]
    if receiver.allow_unsigned:
        lines.append("Warning: --allow-unsigned: unsigned deliveries are accepted as they are.")
    typer.echo("\n".join(lines), err=True)
