"""``tickettailor watch``: every new order, ticket, check-in or event, delivered at least
once with a stable key.

A thin shell over ``tickettailor.watch.Watch``: parse the options, build the sinks,
run cycles, print a line per cycle that did something (on stderr, so stdout stays the
JSON lines of the ``-`` sink), and report state problems as one sentence.
"""

from __future__ import annotations

import json
import math
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tickettailor.cli._context import API_KEY_ENV, EXIT_USAGE, fail, get_client, settings
from tickettailor.cli._help import PANEL_WATCH, epilog
from tickettailor.cli._secrets import secret_file_option

# The watch engine (and the client under it) is imported by the commands that run: see
# _context on start-up time.
if TYPE_CHECKING:
    from tickettailor.watch import CycleReport, Watch
    from tickettailor.watch.state import StateStatus

watch_app = typer.Typer(
    help=(
        "Watch for new records and deliver each to your sinks at least once, with a "
        "stable key (SQL sinks apply each once): orders, issued-tickets (creations and "
        "voids), check-ins, events. State is kept per profile and watch, so a restart "
        "continues where it stopped."
    ),
    no_args_is_help=True,
)

StartOpt = Annotated[
    str | None,
    typer.Option(
        "--start",
        metavar="WHEN",
        help="First run only (a state with a position ignores it; --reset starts over): "
        "now (default), all, a date (2026-11-01, -7d) or a record id.",
        show_default=False,
    ),
]
LimitOpt = Annotated[
    int | None,
    typer.Option("--limit", min=1, metavar="N", help="At most N records per cycle; the rest wait."),
]
EveryOpt = Annotated[
    float, typer.Option("--every", min=0.1, help="Seconds between cycles.", metavar="SECONDS")
]
OnceOpt = Annotated[bool, typer.Option("--once", help="Run one cycle and exit (for cron).")]
SinkOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--sink",
        help="Where to deliver (repeatable): - | jsonl:PATH | webhook:URL | sqlite:PATH | "
        "postgres:DSN | exec:COMMAND. Default: - (JSON lines on stdout).",
        metavar="SPEC",
    ),
]
SecretOpt = Annotated[
    str | None,
    typer.Option(
        "--sink-secret",
        envvar="TICKETTAILOR_SINK_SECRET",
        metavar="SECRET",
        help="Secret (whsec_...) for signing webhook: sinks. Other users may see command "
        "lines: prefer $TICKETTAILOR_SINK_SECRET or --sink-secret-file.",
        show_envvar=True,
    ),
]
SecretFileOpt = Annotated[Path | None, secret_file_option("--sink-secret")]
StateOpt = Annotated[
    Path | None,
    typer.Option(
        "--state", help="State file (one watch) or directory (several watches).", metavar="PATH"
    ),
]
ResetOpt = Annotated[bool, typer.Option("--reset", help="Forget the state and use --start.")]
LookbackOpt = Annotated[
    int,
    typer.Option(
        "--lookback", min=0, metavar="SECONDS", help="Seconds re-read behind the newest record."
    ),
]
VoidsEveryOpt = Annotated[
    float | None,
    typer.Option(
        "--voids-every",
        min=0,
        metavar="SECONDS",
        help="Issued tickets, orders: seconds between scans for voids, which re-read every "
        "voided ticket (default 300; 0 = every cycle); orders re-reads each order with a "
        "newly voided ticket. Other cycles cost one request.",
        show_default=False,
    ),
]
RecheckWindowOpt = Annotated[
    float,
    typer.Option(
        "--recheck-window",
        min=0,
        metavar="SECONDS",
        help="Orders, issued-tickets: re-list records created within this many seconds "
        "(default 30 days), the last hour every --recheck-every and all of it at most once "
        "an hour at the pace --recheck-budget allows, for changed orders and records "
        "back-dated beyond --lookback (0 = off).",
    ),
]
RecheckBudgetOpt = Annotated[
    str,
    typer.Option(
        "--recheck-budget",
        metavar="PERCENT",
        help="The share of the API's rate budget (10,000 requests per 30 min) the "
        "re-checks may spend, e.g. 10% or 0.1.",
    ),
]
NoUpdatesOpt = Annotated[
    bool,
    typer.Option(
        "--no-updates",
        help="Orders, events: deliver new records only, not their changes "
        "(order.updated, event.updated, keyed by content).",
    ),
]
RecheckEveryOpt = Annotated[
    float,
    typer.Option(
        "--recheck-every",
        min=0,
        metavar="SECONDS",
        help="Seconds between re-lists of the last hour (0 = every cycle); a re-list "
        "costs one request per 100 records it covers.",
    ),
]
WaitOpt = Annotated[
    float,
    typer.Option(
        "--wait",
        min=0,
        metavar="SECONDS",
        help="If another watcher holds the state, wait this long for it (without it, "
        "such a run exits at once with code 75).",
    ),
]
DeadAfterOpt = Annotated[
    str | None,
    typer.Option(
        "--dead-after",
        metavar="DURATION",
        help="Retry a failing delivery for this long from its first failure, then keep it "
        "as a dead letter (`watch status` counts them, `watch replay --dead` sends them "
        "again): 3d (default), 12h, 30m, 90s, or never.",
        show_default=False,
    ),
]
WebhooksOpt = Annotated[
    int | None,
    typer.Option(
        "--webhooks",
        min=0,
        max=65535,
        metavar="PORT",
        help="Also receive Ticket Tailor webhooks on this port, into the same outbox "
        "(see `tickettailor webhooks serve`).",
    ),
]
WebhookSecretOpt = Annotated[
    str | None,
    typer.Option(
        "--webhook-secret",
        envvar="TICKETTAILOR_WEBHOOK_SECRET",
        show_envvar=True,
        metavar="SECRET",
        help="The secret of the webhooks (with --webhooks). Other users may see command "
        "lines: prefer $TICKETTAILOR_WEBHOOK_SECRET or --webhook-secret-file.",
    ),
]
WebhookSecretFileOpt = Annotated[Path | None, secret_file_option("--webhook-secret")]
WebhookPathOpt = Annotated[
    str,
    typer.Option(
        "--webhook-path", metavar="PATH", help="URL path the webhook receiver takes POSTs on."
    ),
]
WebhookHostOpt = Annotated[
    str,
    typer.Option("--webhook-host", metavar="HOST", help="Address the webhook receiver listens on."),
]
MoreArg = Annotated[
    list[str] | None,
    typer.Argument(
        metavar="RESOURCE",
        help="More resources to watch in the same process.",
        show_default=False,
    ),
]

ResourcesArg = Annotated[
    list[str] | None,
    typer.Argument(metavar="RESOURCE", help="Resources (default: every watch with state)."),
]


def _profile(ctx: typer.Context) -> str | None:
    """The profile whose key is used, when the key comes from a profile."""
    from tickettailor.profiles import load_profile

    opts = settings(ctx)
    if opts.api_key or (not opts.profile and os.environ.get(API_KEY_ENV, "").strip()):
        return None
    if opts.profile:
        return opts.profile
    saved = load_profile(None)
    return saved.name if saved is not None else None


def _state_path(ctx: typer.Context, resource: str, state: Path | None, many: bool) -> Path:
    from tickettailor.watch import TRIGGERS
    from tickettailor.watch.engine import default_state_path

    if state is not None:
        if many and state.is_file():
            fail(
                f"--state {state} is a file, but several watches need a directory "
                "(one state file each): pass a directory, or one resource",
                EXIT_USAGE,
            )
        if many or state.is_dir():
            return state / f"{TRIGGERS[resource].resource}.sqlite3"
        return state
    fp = get_client(ctx).key_fingerprint
    return default_state_path(resource, profile=_profile(ctx), key_fingerprint=fp)


def _resources(first: str, more: list[str] | None) -> list[str]:
    from tickettailor.watch import TRIGGERS

    names = [first, *(more or [])]
    for name in names:
        if name not in TRIGGERS:
            fail(f"cannot watch {name!r}: choose from {', '.join(TRIGGERS)}", EXIT_USAGE)
    if len(set(names)) != len(names):
        fail(f"each resource once, please: got {' '.join(names)}", EXIT_USAGE)
    return names


def _sinks(specs: list[str] | None, secret: str | None) -> list[Any]:
    from tickettailor.sinks import parse_sink_spec

    return [parse_sink_spec(spec, secret=secret) for spec in (specs or ["-"])]


def _say(text: str) -> None:
    typer.echo(text, err=True)


def _report(watch: Watch, report: CycleReport, *, once: bool, first: bool) -> None:
    """One line per cycle that did something; on --once (and a first cycle) also when
    nothing was new, so a run never ends in silence."""
    name = watch.trigger.resource
    if report.key_refused and report.fetch_exception is not None:
        raise report.fetch_exception  # not transient: the app explains it, exit 1
    if report.stored or report.delivered or report.dead:
        to = ", ".join(f"{n} to {sink}" for sink, n in report.delivered_by.items())
        notes = [f"{report.backdated} back-dated"] if report.backdated else []
        notes += [f"{report.updated} changed"] if report.updated else []
        late = f" ({', '.join(notes)})" if notes else ""
        _say(
            f"{name}: {report.stored} new{late}; delivered {to}"
            + (f"; {report.dead} dead letters" if report.dead else "")
        )
    elif (once or first) and not report.fetch_error:
        since = f" since {_when(report.since)}" if report.since is not None else ""
        then = (
            "position saved, the next run continues from there (--reset starts elsewhere)"
            if once
            else "watching for new ones"
        )
        _say(f"{name}: no new {name}{since}; {then}")
    retry = "" if once else ", will retry next cycle"
    if report.fetch_error:
        _say(f"{name}: fetching failed{retry}: {report.fetch_error}")
    for sink, error in report.sink_errors.items():
        _say(f"{name}: sink {sink} failed{retry}: {error}")


def _announce(watch: Watch) -> None:
    """What opening the state decided, and the backlog of sinks this run does not serve."""
    for notice in watch.notices:
        _say(notice)
    import shlex

    name, where = watch.trigger.resource, f"--state {shlex.quote(str(watch.state_path))}"
    for backlog in watch.orphans:
        since = backlog.oldest_pending or "DATE"
        spec, sink = shlex.quote(_spec_of(backlog.sink)), shlex.quote(backlog.sink)
        _say(
            f"{name}: sink {backlog.sink} holds {backlog.pending} pending deliveries that "
            "this run does not serve:\n"
            f"  deliver them once it works: tickettailor watch {name} --once --sink {spec} "
            f"{where}\n"
            f"  or send the records elsewhere: tickettailor watch replay {name} "
            f"--since {since} --sink SPEC {where}\n"
            f"  or drop them: tickettailor watch sinks remove {name} {sink} {where}"
        )


def _spec_of(sink_name: str) -> str:
    """The --sink spec that gives a sink of this name: jsonl, webhook and exec sinks are
    named by their specs; SQL sinks by target#table (a postgres name shows no DSN)."""
    if sink_name == "stdout":
        return "-"
    if "#" in sink_name:
        target, _, table = sink_name.rpartition("#")
        kind, _, where = target.partition(":")
        return f"{kind},table={table}:{where if kind == 'sqlite' else 'DSN'}"
    return sink_name


def _open(watch: Watch) -> None:
    """Open a watch's state; a busy lease names --wait."""
    from tickettailor import StateError

    try:
        watch.open()
    except StateError as exc:
        text = str(exc)
        if "in use by another watcher" in text and "--wait" not in text:
            exc.args = (f"{text} (--wait SECONDS waits for it)",)
        raise


def _check_voids_every(voids_every: float | None, names: list[str]) -> None:
    if voids_every is None:
        return
    if not {"issued-tickets", "orders"} & set(names):
        fail(
            "--voids-every is for issued-tickets and orders (voids): drop it, or watch those",
            EXIT_USAGE,
        )
    if not math.isfinite(voids_every):
        fail(f"--voids-every {voids_every}: give a number of seconds, or 0", EXIT_USAGE)


def _check_recheck(window: float, every: float) -> None:
    for option, value in (("--recheck-window", window), ("--recheck-every", every)):
        if not math.isfinite(value):
            fail(f"{option} {value}: give a number of seconds, or 0", EXIT_USAGE)


def _budget(text: str) -> float:
    """``--recheck-budget`` as a fraction: ``10%`` or ``0.1``."""
    raw = text.strip()
    try:
        value = float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
    except ValueError:
        value = float("nan")
    if not 0 <= value <= 1:  # also refuses NaN
        fail(f"--recheck-budget {text}: give a share like 10% or 0.1 (0 to 100%)", EXIT_USAGE)
    return value


def run_watch_command(
    ctx: typer.Context,
    resource: str,
    more: list[str] | None,
    *,
    start: str | None,
    limit: int | None,
    every: float,
    once: bool,
    sink: list[str] | None,
    sink_secret: str | None,
    state: Path | None,
    reset: bool,
    lookback: int,
    wait: float,
    voids_every: float | None = None,
    recheck_window: float = 30 * 86400.0,
    recheck_every: float = 300.0,
    recheck_budget: str = "10%",
    updates: bool = True,
    webhooks: int | None = None,
    webhook_secret: str | None = None,
    webhook_host: str = "127.0.0.1",
    webhook_path: str = "/tickettailor",
    dead_after: str | None = None,
) -> None:
    from tickettailor.watch import Watch, run_watches
    from tickettailor.watch.engine import VOID_EVERY

    names = _resources(resource, more)
    _check_voids_every(voids_every, names)
    _check_recheck(recheck_window, recheck_every)
    budget = _budget(recheck_budget)
    backoff = _backoff(dead_after)  # stateless: one for every watch
    if webhooks is not None and once:
        fail("--webhooks receives while the watch runs: drop --once", EXIT_USAGE)
    client = get_client(ctx)
    watches = [
        Watch(
            name,
            client=client,
            sinks=_sinks(sink, sink_secret),
            state=_state_path(ctx, name, state, len(names) > 1),
            start=start,
            reset=reset,
            limit=limit,
            lookback=lookback,
            wait=wait,
            tz=settings(ctx).tz,
            void_every=VOID_EVERY if voids_every is None else voids_every,
            recheck_window=recheck_window,
            recheck_every=recheck_every,
            recheck_budget=budget,
            updates=updates,
            backoff=backoff,
        )
        for name in names
    ]
    failed = False
    reported: set[str] = set()

    def on_cycle(watch: Watch, report: CycleReport) -> None:
        nonlocal failed
        failed = failed or not report.ok
        first = watch.trigger.resource not in reported
        reported.add(watch.trigger.resource)
        _report(watch, report, once=once, first=first)

    try:
        for watch in watches:
            _open(watch)
            _announce(watch)
        if not once:
            where = ", ".join(str(w.state_path) for w in watches)
            _say(f"watching {' '.join(names)} every {every:g} s (state: {where}); Ctrl-C stops")
        if webhooks is not None:
            from tickettailor.cli.webhooks import show_receiver_log
            from tickettailor.webhooks import ReceiverSettings, run_with_polling
            from tickettailor.webhooks.runner import FEEDER_NICE

            show_receiver_log(ctx)
            run_with_polling(
                watches,
                ReceiverSettings(secret=webhook_secret, path=webhook_path),
                host=webhook_host,
                port=webhooks,
                every=every,
                on_cycle=on_cycle,
                on_ready=lambda rx: _say(f"receiving Ticket Tailor webhooks at {rx.url}"),
                nice=FEEDER_NICE,
            )
        else:
            run_watches(watches, every=every, cycles=1 if once else None, on_cycle=on_cycle)
    except KeyboardInterrupt:
        _say("stopped")
        raise typer.Exit(130) from None
    finally:
        for watch in watches:
            watch.close()
    if once and failed:
        raise typer.Exit(1)


def _register(resource: str, summary: str) -> None:
    @watch_app.command(
        resource,
        help=summary,
        epilog=epilog(
            f"tickettailor watch {resource}",
            f"tickettailor watch {resource} --start all --limit 100 --sink jsonl:{resource}.jsonl",
            f"tickettailor watch {resource} --once --sink sqlite:shop.db   # from cron",
        ),
    )
    def command(
        ctx: typer.Context,
        more: MoreArg = None,
        start: StartOpt = None,
        limit: LimitOpt = None,
        every: EveryOpt = 60.0,
        once: OnceOpt = False,
        sink: SinkOpt = None,
        sink_secret: SecretOpt = None,
        state: StateOpt = None,
        reset: ResetOpt = False,
        lookback: LookbackOpt = 60,
        voids_every: VoidsEveryOpt = None,
        recheck_window: RecheckWindowOpt = 30 * 86400.0,
        recheck_every: RecheckEveryOpt = 300.0,
        recheck_budget: RecheckBudgetOpt = "10%",
        no_updates: NoUpdatesOpt = False,
        wait: WaitOpt = 0.0,
        webhooks: WebhooksOpt = None,
        webhook_secret: WebhookSecretOpt = None,
        webhook_host: WebhookHostOpt = "127.0.0.1",
        webhook_path: WebhookPathOpt = "/tickettailor",
        sink_secret_file: SecretFileOpt = None,
        webhook_secret_file: WebhookSecretFileOpt = None,
        dead_after: DeadAfterOpt = None,
    ) -> None:
        sink_secret, webhook_secret = _secrets(
            ctx, sink_secret, sink_secret_file, webhook_secret, webhook_secret_file
        )
        run_watch_command(
            ctx,
            resource,
            more,
            start=start,
            limit=limit,
            every=every,
            once=once,
            sink=sink,
            sink_secret=sink_secret,
            state=state,
            reset=reset,
            lookback=lookback,
            wait=wait,
            voids_every=voids_every,
            recheck_window=recheck_window,
            recheck_every=recheck_every,
            recheck_budget=recheck_budget,
            updates=not no_updates,
            webhooks=webhooks,
            webhook_secret=webhook_secret,
            webhook_host=webhook_host,
            webhook_path=webhook_path,
            dead_after=dead_after,
        )


def _secrets(
    ctx: typer.Context,
    sink_secret: str | None,
    sink_file: Path | None,
    webhook_secret: str | None,
    webhook_file: Path | None,
) -> tuple[str | None, str | None]:
    """The secrets from their options, variables or files (see cli/_secrets.py)."""
    from tickettailor.cli._secrets import resolve_secret

    sink = resolve_secret(
        ctx,
        sink_secret,
        sink_file,
        param="sink_secret",
        option="--sink-secret",
        file_option="--sink-secret-file",
    )
    webhook = resolve_secret(
        ctx,
        webhook_secret,
        webhook_file,
        param="webhook_secret",
        option="--webhook-secret",
        file_option="--webhook-secret-file",
    )
    return sink, webhook


_register("orders", "Deliver every new order, and each change (cancellation, refund, payment).")
_register("issued-tickets", "Deliver every new issued ticket, and every void.")
_register("check-ins", "Deliver every new check-in (Ticket Tailor has no check-in webhook).")
_register("events", "Deliver every new event, and each change (moved, sold out, status).")


def _when(ts: float | None) -> str:
    if ts is None:
        return "never"
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _status_dict(status: StateStatus) -> dict[str, Any]:
    return {
        "resource": status.resource,
        "state": status.path,
        "running": status.holder,
        "records": status.records,
        "positions": [
            {
                "stream": p.stream,
                "watermark": None if p.watermark is None else _when(p.watermark),
                "scan_in_progress_after": p.cursor,
                "last_full_scan": _when(status.scanned_at.get(p.stream))
                if p.stream in status.scanned_at
                else None,
            }
            for p in status.positions
        ],
        "stale_lease": status.stale_holder,
        "sinks": [vars(s) for s in status.sinks],
        "last_success": _when(status.last_success_at),
        "last_error": status.last_error,
        "last_error_at": None if status.last_error_at is None else _when(status.last_error_at),
    }


def _print_status(info: dict[str, Any]) -> None:
    typer.echo(f"{info['resource']}  ({info['state']})")
    typer.echo(f"  running:      {_running(info)}")
    for pos in info["positions"]:
        mark = pos["watermark"] or "not yet"
        extra = f", scan in progress after {pos['scan_in_progress_after']}"
        scanned = f", last scanned {pos['last_full_scan']}" if pos.get("last_full_scan") else ""
        typer.echo(
            f"  position:     {pos['stream']} up to {mark}"
            + (extra if pos["scan_in_progress_after"] else "")
            + scanned
        )
    typer.echo(f"  records:      {info['records']}")
    for s in info["sinks"]:
        oldest = f", oldest pending {s['oldest_pending']}" if s["oldest_pending"] else ""
        failing = f", failing since {_when(s['failing_since'])}" if s.get("failing_since") else ""
        typer.echo(
            f"  sink {s['sink']}: {s['pending']} pending, {s['delivered']} delivered, "
            f"{s['dead']} dead letters{oldest}{failing}"
        )
        if s["last_error"]:
            typer.echo(f"    last error: {s['last_error']}")
        if s["dead"]:
            typer.echo(_DEAD_HINT)
    if info.get("changes"):
        typer.echo(f"  changes:      {info['changes']}")
    typer.echo(f"  last success: {info['last_success']}")
    if info["last_error"]:
        typer.echo(f"  last error:   {info['last_error']} ({info['last_error_at']})")


@watch_app.command(
    "status",
    help="Show each watch's position, backlog per sink, last error and last success.",
    epilog=epilog("tickettailor watch status", "tickettailor watch status orders --json"),
)
def status_command(
    ctx: typer.Context,
    resources: ResourcesArg = None,
    state: StateOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per watch.")] = False,
) -> None:
    from tickettailor.watch import TRIGGERS
    from tickettailor.watch.state import StateStore

    if not resources and state is not None and state.is_file():
        resources = [_resource_of(state)]
    names = _resources(resources[0], resources[1:]) if resources else list(TRIGGERS)
    shown = 0
    for name in names:
        path = _state_path(ctx, name, state, len(names) > 1)
        if not path.exists():
            continue
        store = StateStore.open(
            path, resource=TRIGGERS[name].resource, key_fingerprint=None, create=False
        )
        try:
            info = _status_dict(store.status())
            info["changes"] = _changes_line(store)
        finally:
            store.close()
        shown += 1
        if as_json:
            typer.echo(json.dumps(info))
        else:
            _print_status(info)
    if not shown:
        fail(
            f"no watch state for {' '.join(names)} here: run `tickettailor watch "
            f"{names[0]}` first, or pass --state",
            EXIT_USAGE,
        )


def _resource_of(state: Path) -> str:
    """The resource a state file watches (from its own meta)."""
    from tickettailor.watch import TRIGGERS
    from tickettailor.watch.state import StateStore

    resource = StateStore.peek_meta(state).get("resource", "")
    if resource not in TRIGGERS:
        fail(
            f"{state} is not a tickettailor watch state: pass the state file of a watch",
            EXIT_USAGE,
        )
    return resource


@watch_app.command(
    "replay",
    help="Deliver again every stored record from DATE, with the original keys.",
    epilog=epilog(
        "tickettailor watch replay orders --since 2026-11-01 --sink jsonl:orders.jsonl",
        "tickettailor watch replay issued-tickets --since -2d",
    ),
)
def replay_command(
    ctx: typer.Context,
    resource: Annotated[
        str,
        typer.Argument(metavar="RESOURCE", help="orders, issued-tickets, check-ins or events."),
    ],
    since: Annotated[
        str | None,
        typer.Option(
            "--since", metavar="DATE", help="Records from this date on.", show_default=False
        ),
    ] = None,
    sink: SinkOpt = None,
    sink_secret: SecretOpt = None,
    state: StateOpt = None,
    wait: WaitOpt = 0.0,
    sink_secret_file: SecretFileOpt = None,
    dead: Annotated[
        bool,
        typer.Option(
            "--dead", help="Send the dead letters of these sinks again (see `watch status`)."
        ),
    ] = False,
) -> None:
    (name,) = _resources(resource, None)
    sink_secret, _ = _secrets(ctx, sink_secret, sink_secret_file, None, None)
    from tickettailor.watch import Watch

    if dead:
        _replay_dead(ctx, name, since, sink, sink_secret, state, wait)
        return
    if since is None:
        fail(
            "say what to replay: --since DATE (stored records) or --dead (dead letters)",
            EXIT_USAGE,
        )

    path = _state_path(ctx, name, state, False)
    if not path.exists():
        fail(f"no watch state at {path}: nothing to replay (or pass --state)", EXIT_USAGE)
    with Watch(
        name,
        client=get_client(ctx),
        sinks=_sinks(sink, sink_secret),
        state=path,
        start="now",
        wait=wait,
        tz=settings(ctx).tz,
    ) as watch:
        count = watch.replay(since)
        report = watch.deliver()
    _say(f"{name}: replayed {count} records, {report.delivered} delivered")
    for sink_name, error in report.errors.items():
        _say(f"{name}: sink {sink_name} failed; the rest go with the next cycle: {error}")
    if report.errors:
        raise typer.Exit(1)


@watch_app.command(
    "reset",
    help="Forget a watch's position, records and pending deliveries.",
    epilog=epilog("tickettailor watch reset orders --yes"),
)
def reset_command(
    ctx: typer.Context,
    resource: Annotated[
        str,
        typer.Argument(metavar="RESOURCE", help="orders, issued-tickets, check-ins or events."),
    ],
    state: StateOpt = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    from tickettailor.watch import TRIGGERS
    from tickettailor.watch.state import StateStore

    (name,) = _resources(resource, None)
    path = _state_path(ctx, name, state, False)
    if not path.exists():
        fail(f"no watch state at {path}: nothing to reset", EXIT_USAGE)
    if not yes:
        if not sys.stdin.isatty():
            fail("resetting forgets pending deliveries: add --yes to confirm", EXIT_USAGE)
        typer.confirm(f"Forget everything in {path}?", abort=True)
    fp = get_client(ctx).key_fingerprint
    # Any key may reset: it keeps nothing of the state, and the state becomes this key's.
    store = StateStore.open(path, resource=TRIGGERS[name].resource, key_fingerprint=None)
    try:
        store.acquire()
        store.reset()
        store.set_meta(key_fingerprint=fp or "", box_office=None)
    finally:
        store.close()
    _say(f"{name}: state reset; the next run starts from --start")


# -- watch sinks: the sinks a state delivers to ---------------------------------------

sinks_app = typer.Typer(
    help="The sinks a watch state delivers to: list them, or remove one with its backlog.",
    no_args_is_help=True,
)
watch_app.add_typer(sinks_app, name="sinks")


def _sink_states(
    ctx: typer.Context, resources: list[str] | None, state: Path | None
) -> list[tuple[str, Path]]:
    """(resource, state path) of every watch asked for that has a state."""
    from tickettailor.watch import TRIGGERS

    if not resources and state is not None and state.is_file():
        resources = [_resource_of(state)]
    names = _resources(resources[0], resources[1:]) if resources else list(TRIGGERS)
    found = [(n, _state_path(ctx, n, state, len(names) > 1)) for n in names]
    found = [(n, p) for n, p in found if p.exists()]
    if not found:
        fail(
            f"no watch state for {' '.join(names)} here: run `tickettailor watch "
            f"{names[0]}` first, or pass --state",
            EXIT_USAGE,
        )
    return found


def _backlogs(resource: str, path: Path) -> list[Any]:
    from tickettailor.watch import TRIGGERS
    from tickettailor.watch.state import StateStore

    store = StateStore.open(
        path, resource=TRIGGERS[resource].resource, key_fingerprint=None, create=False
    )
    try:
        return list(store.status().sinks)
    finally:
        store.close()


@sinks_app.command(
    "list",
    help="Each sink a watch state holds deliveries for: pending, delivered, dead letters.",
    epilog=epilog("tickettailor watch sinks list", "tickettailor watch sinks list orders"),
)
def sinks_list_command(
    ctx: typer.Context,
    resources: ResourcesArg = None,
    state: StateOpt = None,
) -> None:
    for resource, path in _sink_states(ctx, resources, state):
        backlogs = _backlogs(resource, path)
        typer.echo(f"{resource}  ({path})" + ("" if backlogs else ": no sinks yet"))
        for b in backlogs:
            typer.echo(
                f"  {b.sink}: {b.pending} pending, {b.delivered} delivered, {b.dead} dead letters"
            )


def _match_sink(spec: str, names: list[str]) -> str | None:
    """The stored sink name that ``spec`` names: the name itself, or a spec for it."""
    if spec in names:
        return spec
    from tickettailor import UsageError
    from tickettailor.sinks import parse_sink_spec

    try:
        sink = parse_sink_spec(spec)
    except UsageError:
        return None
    sink.close()
    return sink.name if sink.name in names else None


@sinks_app.command(
    "remove",
    help="Remove a sink from a watch state: its pending deliveries and dead letters are "
    "dropped, never sent. Give the sink as `watch sinks list` shows it, or its --sink spec.",
    epilog=epilog(
        "tickettailor watch sinks remove orders jsonl:/var/lib/old.jsonl",
        "tickettailor watch sinks remove jsonl:old.jsonl --state orders.sqlite3 --yes",
    ),
)
def sinks_remove_command(
    ctx: typer.Context,
    args: Annotated[
        list[str],
        typer.Argument(
            metavar="[RESOURCE] SINK", help="The watch (not needed with --state FILE), the sink."
        ),
    ],
    state: StateOpt = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    from tickettailor.watch import TRIGGERS
    from tickettailor.watch.state import StateStore

    if len(args) > 2 or (len(args) == 1 and not (state is not None and state.is_file())):
        fail(
            "name the watch and the sink: `tickettailor watch sinks remove orders SINK` "
            "(or the sink alone with --state FILE)",
            EXIT_USAGE,
        )
    ((resource, path),) = _sink_states(ctx, args[:-1] or None, state)
    backlogs = {b.sink: b for b in _backlogs(resource, path)}
    name = _match_sink(args[-1], list(backlogs))
    if name is None:  # delivered rows are pruned, so a sink that kept up leaves nothing
        known = ", ".join(backlogs) or "none"
        _say(
            f"{resource}: nothing to remove: the state {path} holds no deliveries for "
            f"{args[-1]} (sinks with deliveries there: {known})"
        )
        return
    pending = backlogs[name].pending
    if not yes:
        if not sys.stdin.isatty():
            fail(
                f"removing {name} drops its {pending} pending deliveries: add --yes to confirm",
                EXIT_USAGE,
            )
        typer.confirm(f"Remove {name} and drop its {pending} pending deliveries?", abort=True)
    store = StateStore.open(path, resource=TRIGGERS[resource].resource, key_fingerprint=None)
    try:
        store.acquire()
        dropped = store.drop_sink(name)
    finally:
        store.close()
    _say(f"{resource}: sink {name} removed; {dropped} pending deliveries dropped")


# -- dead letters and the lease (issue 11): status lines, replay --dead, --dead-after ----

_DEAD_HINT = (
    "    dead letters are kept: `tickettailor watch replay RESOURCE --dead --sink SPEC` "
    "sends them again"
)
_UNITS = {"s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0}


def _running(info: dict[str, Any]) -> str:
    if info["running"]:
        return str(info["running"])
    if info.get("stale_lease"):
        return f"stale ({info['stale_lease']}); the next run takes over"
    return "no"


def _backoff(dead_after: str | None) -> Any:
    """The relay's backoff with ``--dead-after`` (None: the library's default)."""
    from tickettailor.watch import Backoff

    if dead_after is None:
        return Backoff()
    text = dead_after.strip().lower()
    if text == "never":
        return Backoff(dead_after=math.inf)
    number = text.rstrip("abcdefghijklmnopqrstuvwxyz")
    unit = text[len(number) :] or "s"
    try:
        seconds = float(number) * _UNITS[unit]
    except (KeyError, ValueError):
        seconds = -1.0
    if not 0 <= seconds < math.inf:
        fail(
            f"--dead-after {dead_after!r}: give a duration like 3d, 12h, 30m or 90s, or never",
            EXIT_USAGE,
        )
    return Backoff(dead_after=seconds)


def _replay_dead(
    ctx: typer.Context,
    name: str,
    since: str | None,
    sink: list[str] | None,
    sink_secret: str | None,
    state: Path | None,
    wait: float,
) -> None:
    """``watch replay --dead``: queue the dead letters of these sinks again and send."""
    from tickettailor.watch import Watch

    path = _state_path(ctx, name, state, False)
    if not path.exists():
        fail(f"no watch state at {path}: no dead letters to replay (or pass --state)", EXIT_USAGE)
    sinks = _sinks(sink, sink_secret)
    client, tz = get_client(ctx), settings(ctx).tz
    with Watch(name, client=client, sinks=sinks, state=path, wait=wait, tz=tz) as watch:
        assert watch.store is not None  # open
        count = watch.replay(since) if since is not None else 0
        revived = watch.store.requeue_dead([s.name for s in sinks])
        report = watch.deliver()
        left = watch.store.dead_letters()
    replayed = f"replayed {count} records, " if since is not None else ""
    _say(f"{name}: {replayed}{revived} dead letters queued again, {report.delivered} delivered")
    for other, n in left.items():
        _say(f"{name}: {n} dead letters of sink {other} remain; pass --sink for it to send them")
    for sink_name, error in report.errors.items():
        _say(f"{name}: sink {sink_name} failed; the rest go with the next cycle: {error}")
    if report.errors:
        raise typer.Exit(1)


def _changes_line(store: Any) -> str | None:
    """What ``watch status`` says about changes (tickettailor.watch.recheck)."""
    import time

    from tickettailor.watch.recheck import describe

    return describe(store, time.time())


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app`` (called by ``cli/main.py``)."""
    app.add_typer(watch_app, name="watch", rich_help_panel=PANEL_WATCH)
