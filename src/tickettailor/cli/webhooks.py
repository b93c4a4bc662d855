"""``tickettailor webhooks serve``: receive Ticket Tailor's webhooks into the watches.

A thin shell over ``tickettailor.webhooks.serve_webhooks``: options in, a banner with
the URL to paste into Ticket Tailor and the events to tick, the receiver's log on
stderr (every refusal with its path, status and reason; a line per accepted delivery,
counted instead when busy), envelopes to the sinks. Ctrl-C exits 130, SIGTERM 0.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from tickettailor.cli._context import EXIT_INTERRUPTED, EXIT_USAGE, fail, get_client, settings
from tickettailor.cli._help import PANEL_WATCH, epilog
from tickettailor.cli._secrets import resolve_secret, secret_file_option, secret_option
from tickettailor.cli.fleet import SchemaOpt, postgres_option

webhooks = typer.Typer(
    help="Receive Ticket Tailor's webhooks: verified, stored, delivered once.",
    no_args_is_help=True,
)

SECRET_ENV = "TICKETTAILOR_WEBHOOK_SECRET"  # noqa: S105  (a variable name, not a secret)
SINK_SECRET_ENV = "TICKETTAILOR_SINK_SECRET"  # noqa: S105  (a variable name, not a secret)


@webhooks.command(
    "serve",
    help=(
        "Receive webhooks and deliver new orders, issued tickets (and voids) and events "
        "to the sinks, with the same envelopes and keys as `tickettailor watch` and in "
        "the same state, so a record seen both ways is delivered once.\n\n"
        "RESOURCES: which watches to feed (default: orders issued-tickets events)."
    ),
    epilog=epilog(
        "tickettailor webhooks serve --secret-file secret.txt --sink jsonl:orders.jsonl",
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
        secret_option(
            "--secret",
            SECRET_ENV,
            "The webhook's secret, shown when it was created in Ticket Tailor.",
        ),
    ] = None,
    secret_file: Annotated[Path | None, secret_file_option("--secret")] = None,
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
        secret_option(
            "--sink-secret", SINK_SECRET_ENV, "Secret (whsec_...) for signing webhook: sinks."
        ),
    ] = None,
    sink_secret_file: Annotated[Path | None, secret_file_option("--sink-secret")] = None,
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
    postgres: Annotated[
        str,
        postgres_option(
            "Fleet mode: receive for every box office of the fleet in this PostgreSQL, "
            "at /webhooks/<box office name> (docs/fleet.md)."
        ),
    ] = "",
    schema: SchemaOpt = "tickettailor",
) -> None:
    if postgres.strip():  # fleet mode: tickettailor.fleet.receiver
        from tickettailor.cli.fleet import serve_fleet_webhooks

        serve_fleet_webhooks(ctx, postgres, schema, host=host, port=port)
        return
    from tickettailor.sinks import parse_sink_spec
    from tickettailor.webhooks import RESOURCES, ReceiverSettings, serve_webhooks
    from tickettailor.webhooks.runner import FEEDER_NICE

    secret = resolve_secret(
        ctx, secret, secret_file, param="secret", option="--secret", file_option="--secret-file"
    )
    sink_secret = resolve_secret(
        ctx,
        sink_secret,
        sink_secret_file,
        param="sink_secret",
        option="--sink-secret",
        file_option="--sink-secret-file",
    )
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
    show_receiver_log(ctx)
    stop = threading.Event()
    with _stop_on_signals(stop) as interrupted:
        try:
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
                nice=FEEDER_NICE,
            )
        except KeyboardInterrupt:  # a second Ctrl-C while a sink hangs
            interrupted.set()
    typer.echo("Stopped; every acknowledged delivery is stored.", err=True)
    if interrupted.is_set():  # stopped by the user: 130, as `watch` exits
        raise typer.Exit(EXIT_INTERRUPTED)


@contextlib.contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[threading.Event]:
    """SIGTERM and the first Ctrl-C stop the loop between deliveries (a delivery is
    never cut between its sending and its mark); a second Ctrl-C interrupts at once.
    Yields the event set by Ctrl-C; the previous handlers come back at the end."""
    interrupted = threading.Event()

    def on_ctrl_c(*_: object) -> None:
        if interrupted.is_set():
            raise KeyboardInterrupt
        interrupted.set()
        stop.set()

    saved = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    saved_int = signal.signal(signal.SIGINT, on_ctrl_c)
    try:
        yield interrupted
    finally:
        signal.signal(signal.SIGTERM, saved)
        signal.signal(signal.SIGINT, saved_int)


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
    # The watch keeps the key's fingerprint in its state: the client's own.
    return client.key_fingerprint if client is not None else None


def _default_folder(ctx: typer.Context) -> Path:
    # Exactly the folder `tickettailor watch` keeps its states in, so both feed one
    # outbox per resource; the watch command owns that rule.
    from tickettailor.cli.watch import _state_path

    return _state_path(ctx, "orders", None, False).parent


class _ReceiverLog(logging.StreamHandler):  # type: ignore[type-arg]  # generic only in stubs
    """The receiver's log on stderr: every refusal and problem; one line per accepted
    delivery, up to ``BURST`` per ``WINDOW`` seconds, then one count per window, so a
    busy receiver does not flood the terminal."""

    BURST = 20
    WINDOW = 10.0

    def __init__(self, accepted_attr: str) -> None:
        super().__init__(sys.stderr)
        self.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
        self._accepted_attr = accepted_attr
        self._window = -self.WINDOW
        self._shown = 0
        self._hidden = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        if getattr(record, self._accepted_attr, False):
            now = time.monotonic()
            if now - self._window >= self.WINDOW:
                self._say_hidden()
                self._window, self._shown = now, 0
            if self._shown >= self.BURST:
                self._hidden += 1
                return
            self._shown += 1
        super().emit(record)

    def close(self) -> None:
        with contextlib.suppress(ValueError, OSError):  # stderr already closed
            self._say_hidden()
        super().close()

    def _say_hidden(self) -> None:
        if self._hidden:
            stamp = time.strftime("%H:%M:%S")
            self.stream.write(
                f"{stamp} ... and {self._hidden} more deliveries accepted "
                f"(at most {self.BURST} lines per {self.WINDOW:g} s are shown)\n"
            )
            self.flush()
            self._hidden = 0


def show_receiver_log(ctx: typer.Context) -> None:
    """Show the receiver's log on stderr for this command: refusals (path, status,
    reason) and accepted deliveries always, details with ``-v``."""
    from tickettailor.webhooks.receiver import ACCEPTED

    logger = logging.getLogger("tickettailor.webhooks")
    handler = _ReceiverLog(ACCEPTED)
    saved = (logger.level, logger.propagate)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if settings(ctx).verbose > 0 else logging.INFO)
    logger.propagate = False  # not twice when the client's log is on stderr too

    def detach() -> None:
        logger.removeHandler(handler)
        handler.close()
        logger.setLevel(saved[0])
        logger.propagate = saved[1]

    ctx.call_on_close(detach)


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
        "  secret: copy it when creating the webhook and pass it as --secret-file, "
        f"${SECRET_ENV} or --secret",
        f"Delivering to {', '.join(s.name for s in sinks)}; state in {folder}. Ctrl-C stops.",
    ]
    if receiver.allow_unsigned:
        lines.append("Warning: --allow-unsigned: unsigned deliveries are accepted as they are.")
    typer.echo("\n".join(lines), err=True)


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app`` (called by ``cli/main.py``)."""
    app.add_typer(webhooks, name="webhooks", rich_help_panel=PANEL_WATCH)
