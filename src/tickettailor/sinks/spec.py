"""Sink specs as typed on the command line: ``KIND[,OPTION=VALUE...]:TARGET``.

``-`` is stdout. ``jsonl:PATH``, ``webhook:URL``, ``sqlite:PATH``, ``postgres:DSN`` and
``exec:COMMAND`` name the others; options go between the kind and the first colon, e.g.
``sqlite,table=orders:shop.db``, ``sqlite,mode=current:shop.db`` (one row per record,
kept current) or ``exec,timeout=5:./notify.sh``. Everything after
the first colon is the target, verbatim. Errors never repeat a target (it may hold a
password); they show the kind, the accepted forms and what to type instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from tickettailor._core.errors import UsageError
from tickettailor.sinks._current import check_mode
from tickettailor.sinks.exec import ExecSink
from tickettailor.sinks.jsonl import JsonlSink
from tickettailor.sinks.sqlite import SqliteSink
from tickettailor.sinks.stdout import StdoutSink
from tickettailor.sinks.webhook import WebhookSink
from tickettailor.watch.sink import Sink

__all__ = ["SINK_KINDS", "SinkKind", "parse_sink_spec"]

Options = Mapping[str, str]


@dataclass(frozen=True)
class SinkKind:
    """One kind of sink: how it is written and how it is built from a spec."""

    usage: str  # e.g. "sqlite[,table=NAME]:PATH"
    options: tuple[str, ...]
    build: Callable[[str, Options, str | None], Sink]


def _seconds(kind: str, options: Options, default: float) -> float:
    text = options.get("timeout")
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < float("inf"):
        raise UsageError(f"{kind} sink: timeout={text!r} is not a positive number of seconds")
    return value


def _postgres(dsn: str, table: str | None, mode: str) -> Sink:
    # psycopg is an optional extra: import it only when a postgres sink is asked for.
    try:
        from tickettailor.sinks.postgres import PostgresSink
    except ImportError as exc:
        if not (exc.name or "").startswith("psycopg"):
            raise
        raise UsageError(
            "the postgres sink needs psycopg: pip install 'tickettailor[postgres]'"
        ) from None
    return PostgresSink(dsn, table=table, mode=mode)


SINK_KINDS: dict[str, SinkKind] = {
    "jsonl": SinkKind("jsonl:PATH", (), lambda target, _o, _s: JsonlSink(target)),
    "webhook": SinkKind(
        "webhook[,timeout=SECONDS]:URL (with --sink-secret whsec_...)",
        ("timeout",),
        lambda target, o, secret: WebhookSink(target, secret, timeout=_seconds("webhook", o, 10.0)),
    ),
    "sqlite": SinkKind(
        "sqlite[,table=NAME][,mode=current]:PATH",
        ("table", "mode"),
        lambda target, o, _s: SqliteSink(
            target, table=o.get("table"), mode=check_mode("sqlite", o.get("mode", "log"))
        ),
    ),
    "postgres": SinkKind(
        "postgres[,table=NAME][,mode=current]:DSN",
        ("table", "mode"),
        lambda target, o, _s: _postgres(
            target, o.get("table"), check_mode("postgres", o.get("mode", "log"))
        ),
    ),
    "exec": SinkKind(
        "exec[,timeout=SECONDS]:COMMAND",
        ("timeout",),
        lambda target, o, _s: ExecSink(target, timeout=_seconds("exec", o, 30.0)),
    ),
}

# Common slips, answered with the spec that was probably meant.
_DID_YOU_MEAN = {
    "http": "webhook:http://...",
    "https": "webhook:https://...",
    "postgresql": "postgres:postgresql://...",
    "sqlite3": "sqlite:PATH",
    "json": "jsonl:PATH",
    "file": "jsonl:PATH",
    "stdout": "-",
}


# A spec with no known kind that looks like a file path: the kind it probably needed.
_BY_SUFFIX = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".db": "sqlite",
    ".sqlite": "sqlite",
    ".sqlite3": "sqlite",
}


def _accepted() -> str:
    return "-, " + ", ".join(kind.usage for kind in SINK_KINDS.values())


def _path_hint(text: str) -> str | None:
    """``jsonl:/tmp/x.jsonl`` for ``/tmp/x.jsonl``: a plain path (nothing that could be
    part of a DSN or a password) ending in a suffix we know."""
    if set(text) & set("=@ ") or "://" in text:
        return None
    suffix = text[text.rfind(".") :].lower() if "." in text else ""
    kind = _BY_SUFFIX.get(suffix)
    return f"{kind}:{text}" if kind else None


def _unknown(kind: str, text: str) -> UsageError:
    # The kind is what precedes the first colon: never a password (it is not shown
    # at all when it looks like part of a DSN or a key=value string).
    forms = (
        f"a sink spec is KIND:TARGET ({_accepted()}); "
        "options go between the kind and the colon, e.g. sqlite,table=orders:shop.db"
    )
    hint = _path_hint(text) or _DID_YOU_MEAN.get(kind.lower())
    advice = f"did you mean {hint}? " if hint else ""
    if kind and not set(kind) & set("=@/ .") and kind != text:
        return UsageError(f"unknown sink kind {kind!r}: {advice}{forms}")
    return UsageError(f"the sink spec names no kind: {advice}{forms}")


def _options(name: str, kind: SinkKind, parts: list[str]) -> dict[str, str]:
    options: dict[str, str] = {}
    for part in parts:
        key, eq, value = part.partition("=")
        key = key.strip().lower()
        if not eq or key not in kind.options or not value.strip():
            allowed = ", ".join(f"{o}=..." for o in kind.options) or "none"
            raise UsageError(
                f"{name} sink: option {key or part!r} is not understood "
                f"(options: {allowed}); write {kind.usage}"
            )
        options[key] = value.strip()
    return options


def parse_sink_spec(spec: str, *, secret: str | None = None) -> Sink:
    """Build the sink a ``--sink SPEC`` names; ``secret`` signs webhooks.

    Raises ``UsageError`` naming the problem and the accepted forms.
    """
    text = spec.strip()
    if not text:
        raise UsageError(f"the sink spec is empty: accepted sinks are {_accepted()}")
    if text in ("-", "stdout"):
        return StdoutSink()
    head, colon, target = text.partition(":")
    name, *option_parts = head.split(",")
    name = name.strip().lower()
    kind = SINK_KINDS.get(name) if colon else None
    if kind is None:
        raise _unknown(name if colon else text, text)
    if not target.strip():
        raise UsageError(f"{name} sink needs a target after the colon: {kind.usage}")
    return kind.build(target, _options(name, kind, option_parts), secret)
