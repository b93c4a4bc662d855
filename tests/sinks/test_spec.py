"""``--sink SPEC`` parsing: every kind, its options, and clear errors for bad specs."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tickettailor._core.errors import TicketTailorError, UsageError
from tickettailor.sinks import (
    ExecSink,
    JsonlSink,
    PostgresSink,
    SqliteSink,
    StdoutSink,
    WebhookSink,
    generate_secret,
    parse_sink_spec,
)
from tickettailor.watch.sink import Sink

SECRET = generate_secret()


def test_each_kind_builds_its_sink_with_a_stable_name(tmp_path: Path) -> None:
    cases = {
        "-": (StdoutSink, "stdout"),
        f"jsonl:{tmp_path}/out.jsonl": (JsonlSink, f"jsonl:{tmp_path}/out.jsonl"),
        "webhook:https://example.com/hooks": (WebhookSink, "webhook:https://example.com/hooks"),
        f"sqlite:{tmp_path}/out.db": (SqliteSink, f"sqlite:{tmp_path}/out.db#tickettailor_events"),
        "postgres:postgresql://tt@db.example:5433/shop": (
            PostgresSink,
            "postgres:tt@db.example:5433/shop#tickettailor_events",
        ),
        f"exec:{sys.executable} -c 'import sys'": (
            ExecSink,
            f"exec:{sys.executable} -c 'import sys'",
        ),
    }
    for spec, (cls, name) in cases.items():
        sink = parse_sink_spec(spec, secret=SECRET)
        try:
            assert isinstance(sink, cls)
            assert isinstance(sink, Sink)
            assert sink.name == name
            assert parse_sink_spec(spec, secret=SECRET).name == name  # stable
        finally:
            sink.close()


def test_relative_paths_become_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert parse_sink_spec("jsonl:out.jsonl").name == f"jsonl:{tmp_path}/out.jsonl"


def test_options_go_between_kind_and_colon(tmp_path: Path) -> None:
    sqlite = parse_sink_spec(f"sqlite,table=orders:{tmp_path}/x.db")
    assert isinstance(sqlite, SqliteSink)
    assert sqlite.name.endswith("#orders")
    runner = parse_sink_spec(f"exec,timeout=2.5:{sys.executable}")
    assert isinstance(runner, ExecSink)
    assert runner.timeout == 2.5
    pg = parse_sink_spec("POSTGRES,table=audit.orders:host=localhost dbname=shop")
    assert pg.name == "postgres:localhost/shop#audit.orders"


def test_target_keeps_its_own_colons(tmp_path: Path) -> None:
    odd = tmp_path / "a:b.jsonl"
    sink = parse_sink_spec(f"jsonl:{odd}")
    assert isinstance(sink, JsonlSink)
    assert sink.path == odd


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("ftp:somewhere", "unknown sink kind 'ftp': a sink spec is KIND:TARGET (-, jsonl:PATH"),
        ("  ", "the sink spec is empty: accepted sinks are -, jsonl:PATH"),
        ("https://example.com/hook", "did you mean webhook:https://...?"),
        ("postgresql://u@h/db", "did you mean postgres:postgresql://...?"),
        ("events.jsonl", "names no kind: did you mean jsonl:events.jsonl? a sink spec is"),
        ("/tmp/x.jsonl", "names no kind: did you mean jsonl:/tmp/x.jsonl?"),
        ("/tmp/a:b.ndjson", "names no kind: did you mean jsonl:/tmp/a:b.ndjson?"),
        ("shop.db", "did you mean sqlite:shop.db?"),
        ("./data/shop.sqlite3", "did you mean sqlite:./data/shop.sqlite3?"),
        ("orders", "names no kind: a sink spec is KIND:TARGET (-, jsonl:PATH, webhook"),
        ("jsonl:", "jsonl sink needs a target after the colon: jsonl:PATH"),
        (
            "sqlite,tabel=x:/tmp/x.db",
            "option 'tabel' is not understood (options: table=..., mode=...)",
        ),
        ("jsonl,table=x:/tmp/x.jsonl", "option 'table' is not understood (options: none)"),
        ("exec,timeout=soon:true", "timeout='soon' is not a positive number of seconds"),
        ("exec,timeout=0:true", "timeout='0' is not a positive number of seconds"),
        ("sqlite,table=x;drop:/tmp/x.db", "table 'x;drop' is not a plain name"),
        ("postgres,table=a.b.c:dbname=x", "use NAME or SCHEMA.NAME"),
        ("exec:'unbalanced", "cannot split the command (No closing quotation); check quotes"),
        ("exec:no-such-command-tt --flag", "command 'no-such-command-tt' not found"),
        ("jsonl:/no/such/dir/x.jsonl", "directory /no/such/dir does not exist; create it first"),
        ("sqlite:/tmp", "/tmp is a directory; give a file path inside it"),
        ("webhook:ftp://example.com/", "not an http(s) URL; use webhook:https://"),
    ],
)
def test_bad_specs_say_what_is_wrong_and_what_to_write(spec: str, expected: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_sink_spec(spec, secret=SECRET)
    assert expected in str(caught.value)
    assert isinstance(caught.value, TicketTailorError)
    assert isinstance(caught.value, ValueError)


def test_unknown_kind_lists_the_accepted_forms() -> None:
    with pytest.raises(UsageError) as caught:
        parse_sink_spec("kafka:topic")
    message = str(caught.value)
    for form in ("-", "jsonl:PATH", "webhook", "sqlite", "postgres", "exec"):
        assert form in message


def test_a_dsn_password_never_appears_in_errors_or_names() -> None:
    password = "hunter2-Secret"
    specs = [
        f"postgres:garbage password={password}",  # unreadable DSN
        f"postgress:postgresql://u:{password}@h/db",  # typo in the kind
        f"postgres,tabel=x:postgresql://u:{password}@h/db",  # bad option
        f"host=h password={password}",  # no kind at all
    ]
    for spec in specs:
        with pytest.raises(UsageError) as caught:
            parse_sink_spec(spec)
        assert password not in str(caught.value)
        assert password not in repr(caught.value)
    sink = parse_sink_spec(f"postgres:postgresql://u:{password}@h:5432/db")
    assert password not in sink.name
    assert password not in repr(sink)
    assert sink.name == "postgres:u@h:5432/db#tickettailor_events"


def test_webhook_without_secret_explains_how_to_make_one() -> None:
    with pytest.raises(UsageError) as caught:
        parse_sink_spec("webhook:https://example.com/h")
    message = str(caught.value)
    assert "--sink-secret whsec_" in message
    assert "base64.b64encode(os.urandom(32))" in message


@pytest.mark.parametrize(
    "secret",
    [
        "whsec_not base64!!",
        "whsec_" + "QUJD",  # valid base64 but 3 bytes: too short to be a key
        "whsec_" + "A" * 200,  # 150 bytes: longer than the spec allows
    ],
)
def test_webhook_bad_secret_is_refused_without_echoing_it(secret: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_sink_spec("webhook:https://example.com/h", secret=secret)
    assert "'whsec_' followed by the base64 of 24 to 64 random bytes" in str(caught.value)
    assert secret.removeprefix("whsec_") not in str(caught.value)


def test_generated_secrets_are_accepted_and_unpredictable() -> None:
    first, second = generate_secret(), generate_secret()
    assert first != second
    assert first.startswith("whsec_")
    parse_sink_spec("webhook:https://example.com/h", secret=first).close()
    # The prefix is optional in the spec: the bare base64 is the same secret.
    parse_sink_spec("webhook:https://example.com/h", secret=first[6:]).close()


def test_exec_accepts_a_path_to_an_executable(tmp_path: Path) -> None:
    script = tmp_path / "hook.sh"
    script.write_text("#!/bin/sh\ncat >/dev/null\n")
    script.chmod(0o755)
    sink = parse_sink_spec(f"exec:{script} --quiet")
    assert isinstance(sink, ExecSink)
    assert sink.argv == [str(script), "--quiet"]
    os.chmod(script, 0o644)  # no longer executable: refused up front
    with pytest.raises(UsageError, match="not found"):
        parse_sink_spec(f"exec:{script}")
