"""``tickettailor sandbox``: serve a local stand-in for the Ticket Tailor API."""

from __future__ import annotations

import re
import signal
import sys
import threading
from pathlib import Path
from typing import Annotated

import typer

from tickettailor.cli._help import PANEL_START, epilog

# The sandbox (starlette, uvicorn) is imported when it starts: see _context on start-up.

_RATE = re.compile(r"\s*([0-9]+)\s*/\s*([0-9]+)\s*")


def parse_rate_limit(value: str) -> tuple[int, int] | None:
    """``"N/SECONDS"`` -> (N, SECONDS); ``"off"`` -> None."""
    if value.strip().lower() == "off":
        return None
    m = _RATE.fullmatch(value)
    if m is None or int(m.group(1)) < 1 or int(m.group(2)) < 1:
        raise typer.BadParameter(
            f"{value!r} is not a rate limit; write REQUESTS/SECONDS like 10000/1800, or off"
        )
    return int(m.group(1)), int(m.group(2))


def _check_key(key: str) -> str:
    if not key or any(c.isspace() for c in key) or ":" in key:
        raise typer.BadParameter(
            "an API key must be non-empty, without spaces or ':' "
            "(the real format is sk_<4 digits>_<6 digits>_<32 hex>)"
        )
    return key


def _check_specs(webhooks: list[str], secret: str | None, faults: str) -> None:
    """Bad --webhook / --faults values are usage errors (exit 2) naming the fix."""
    from tickettailor.sandbox.faults import parse_faults
    from tickettailor.sandbox.webhook_sender import parse_subscription

    for spec in webhooks:
        try:
            parse_subscription(spec, secret=secret)
        except ValueError as e:
            raise typer.BadParameter(str(e), param_hint="--webhook") from None
    if secret is not None and not secret.strip():
        raise typer.BadParameter("the secret must not be empty", param_hint="--webhook-secret")
    try:
        parse_faults(faults)
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--faults") from None


def parse_changes(value: str | None) -> dict[str, float]:
    """``--changes cancel=0.1,refund=0.05`` -> {"cancel": 0.1, "refund": 0.05}; ``off``
    sets every rate to 0; None (not given) keeps the defaults ({}). Checked by the
    sandbox's own ``ChangeRates``, so the names and bounds are its."""
    from tickettailor.sandbox.config import ChangeRates

    if value is None:
        return {}
    names = list(vars(ChangeRates()))
    if value.strip().lower() == "off":
        return dict.fromkeys(names, 0.0)
    rates: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in value.split(","))):
        name, _, number = part.partition("=")
        name = name.strip().replace("-", "_")
        try:
            rates[name] = float(number)
        except ValueError:
            rates[name] = float("nan")  # refused below, with the example
        if name not in names or not rates[name] == rates[name]:
            raise typer.BadParameter(
                f"{part!r} is not NAME=RATE; names: {', '.join(names)} (rates per order "
                "sold, e.g. cancel=0.1,refund=0.05), or off",
                param_hint="--changes",
            )
    try:
        ChangeRates(**rates)
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--changes") from None
    return rates


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def sandbox(
    host: Annotated[
        str, typer.Option(metavar="HOST", help="Interface to listen on.")
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(min=0, max=65535, metavar="PORT", help="Port (0 picks a free one).")
    ] = 8765,
    api_key: Annotated[
        list[str] | None,
        typer.Option(
            "--api-key",
            metavar="KEY",
            help="A key to accept; repeat for more box offices (each has its own data). "
            "None given: a demo key derived from --seed, the same on every start.",
            show_default=False,
        ),
    ] = None,
    seed: Annotated[int, typer.Option(metavar="N", help="Same seed, same data.")] = 1,
    orders: Annotated[int, typer.Option(min=0, metavar="N", help="Orders per box office.")] = 1000,
    events: Annotated[
        int, typer.Option(min=1, metavar="N", help="Events (occurrences) per box office.")
    ] = 12,
    rate_limit: Annotated[
        str,
        typer.Option(
            metavar="N/SECONDS", help="Requests per window per key, as N/SECONDS, or off."
        ),
    ] = "10000/1800",
    db: Annotated[
        Path | None,
        typer.Option(
            metavar="PATH",
            help="SQLite file to keep the data in (reused when it holds the same data set). "
            "Default: memory.",
            show_default=False,
        ),
    ] = None,
    sales_per_minute: Annotated[
        float,
        typer.Option(
            min=0,
            max=100_000,
            metavar="N",
            help="Simulated live sales per minute per box office (with cancels, refunds, "
            "voids and check-ins at lower rates). 0: none.",
        ),
    ] = 0.0,
    changes: Annotated[
        str | None,
        typer.Option(
            metavar="NAME=RATE,...",
            help="How often the simulated sales change afterwards, per order sold: "
            "cancel, refund (partial, no void), void (one ticket), pending (share paid "
            "offline) and confirm, event_move, event_status, sold_out, check_in; "
            "e.g. cancel=0.1,refund=0.05; off: none. Default: a busy, ordinary box "
            "office (docs/sandbox.md). Needs --sales-per-minute.",
            show_default=False,
        ),
    ] = None,
    webhook: Annotated[
        list[str] | None,
        typer.Option(
            "--webhook",
            metavar="URL",
            help="Send webhooks to this URL, as Ticket Tailor does; repeatable. "
            "URL#ORDER.CREATED,ISSUED_TICKET.UPDATED sends only those events.",
            show_default=False,
        ),
    ] = None,
    webhook_secret: Annotated[
        str | None,
        typer.Option(
            metavar="SECRET",
            help="Sign webhooks with this secret (Tickettailor-Webhook-Signature). "
            "Also read from TICKETTAILOR_WEBHOOK_SECRET.",
            envvar="TICKETTAILOR_WEBHOOK_SECRET",
            show_default=False,
        ),
    ] = None,
    faults: Annotated[
        str,
        typer.Option(
            metavar="RULES",
            help="Misbehave on purpose: rules like 'status:503,path=/v1/orders*,p=0.2; "
            "429:3,count=1; latency:2; drop; malformed; html; repeat' (docs/sandbox.md).",
            show_default=False,
        ),
    ] = "",
) -> None:
    """Serve a local, realistic stand-in for the Ticket Tailor API at http://HOST:PORT/v1.

    It answers like the real API: Basic auth with the key, the same JSON, pagination,
    errors and rate-limit headers. Stop it with Ctrl-C.
    """
    from tickettailor.sandbox import SandboxConfig, serve_in_thread
    from tickettailor.sandbox.config import ChangeRates, seed_key

    limit = parse_rate_limit(rate_limit)
    keys = [_check_key(k) for k in api_key] if api_key else [seed_key(seed)]
    if len(set(keys)) != len(keys):
        raise typer.BadParameter("each --api-key must be different", param_hint="--api-key")
    if db is not None and not db.parent.is_dir():
        raise typer.BadParameter(f"folder {db.parent} does not exist", param_hint="--db")
    _check_specs(webhook or [], webhook_secret, faults)
    rates = parse_changes(changes)
    if changes is not None and not sales_per_minute:
        raise typer.BadParameter(
            "changes happen to what the simulator sells: add --sales-per-minute N",
            param_hint="--changes",
        )
    config = SandboxConfig(
        keys=tuple(keys),
        seed=seed,
        orders=orders,
        events=events,
        rate_limit=limit,
        db=str(db) if db is not None else None,
        sales_per_minute=sales_per_minute,
        changes=ChangeRates(**rates),
        webhooks=tuple(webhook or ()),
        webhook_secret=webhook_secret,
        faults=faults,
    )
    if orders >= 100_000:
        typer.echo(f"Generating {orders:,} orders per box office…", err=True)
    try:
        server = serve_in_thread(config, host=host, port=port)
        running = server.__enter__()
    except OSError as e:
        typer.echo(
            f"Error: cannot listen on {host}:{port} ({e.strerror or e}); "
            "pick another with --port or stop what uses it.",
            err=True,
        )
        raise typer.Exit(2) from None
    try:
        typer.echo(f"Ticket Tailor sandbox ready at {running.base_url} (API under /v1)")
        for box in running.sandbox.store.boxes:
            typer.echo(f"  API key: {box.spec.key}   box office: {box.box['name']}")
        if not api_key:
            typer.echo(f"  (the key of --seed {seed}, the same on every start; --api-key sets one)")
        limit_text = f"{limit[0]} requests per {limit[1]} s per key" if limit else "off"
        typer.echo(f"  rate limit: {limit_text}; seed {seed}; {orders} orders, {events} events")
        if sales_per_minute:
            typer.echo(f"  simulated sales: {sales_per_minute:g} a minute per box office")
            shown = ", ".join(f"{k} {v:g}" for k, v in vars(config.changes).items())
            typer.echo(f"  changes per order sold: {shown}")
        for sub in running.sandbox.webhooks.subscriptions() if running.sandbox.webhooks else []:
            events_text = ", ".join(sorted(sub.events)) if sub.events else "every event"
            signed = "signed" if sub.secret else "unsigned"
            typer.echo(f"  webhook: {sub.describe()['url']} ({events_text}; {signed})")
        if faults:
            typer.echo(f"  faults: {faults}")
        typer.echo(f"  control API: {running.base_url}/_sandbox (docs/sandbox.md)")
        typer.echo(f"Try: curl -u {keys[0]}: {running.base_url}/v1/orders?limit=1   (Ctrl-C stops)")
        sys.stdout.flush()
        signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops it as cleanly as Ctrl-C
        threading.Event().wait()
    except KeyboardInterrupt:
        typer.echo("Sandbox stopped.", err=True)
    finally:
        server.__exit__(None, None, None)


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app`` (called by ``cli/main.py``)."""
    app.command(
        "sandbox",
        rich_help_panel=PANEL_START,
        epilog=epilog(
            "tickettailor sandbox",
            "tickettailor sandbox --port 9000 --seed 42 --orders 50000 --db /tmp/tt.sqlite",
            "tickettailor sandbox --api-key sk_1234_567890_0123456789abcdef0123456789abcdef "
            "--rate-limit 100/60",
            "tickettailor sandbox --sales-per-minute 30 "
            "--webhook http://127.0.0.1:9000/hook#ORDER.CREATED --webhook-secret s3cret",
            "tickettailor sandbox --sales-per-minute 60 --changes cancel=0.1,refund=0.05,void=0",
            "tickettailor sandbox --faults 'status:503,path=/v1/orders*,p=0.2; latency:1,count=3'",
            "tickettailor --base-url http://127.0.0.1:8765 --api-key KEY orders list --limit 5",
        ),
    )(sandbox)
