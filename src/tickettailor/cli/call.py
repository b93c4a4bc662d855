"""``tickettailor call``: the Make an API Call module (any request, key added)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import typer

from tickettailor.cli._context import EXIT_API, EXIT_USAGE, fail, get_client
from tickettailor.cli._help import PANEL_RECORDS, epilog
from tickettailor.cli._output import isatty

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
FORM = "application/x-www-form-urlencoded"


def call(
    ctx: typer.Context,
    method: Annotated[
        str, typer.Argument(metavar="METHOD", help="GET, POST, PUT, PATCH or DELETE.")
    ],
    path: Annotated[str, typer.Argument(metavar="PATH", help="Path on the API, e.g. /v1/events.")],
    query: Annotated[
        list[str] | None,
        typer.Option(
            "--query", "-q", metavar="K=V", help="Query parameter (repeat).", show_default=False
        ),
    ] = None,
    header: Annotated[
        list[str] | None,
        typer.Option(
            "--header", "-H", metavar="'NAME: VALUE'", help="Header (repeat).", show_default=False
        ),
    ] = None,
    form: Annotated[
        list[str] | None,
        typer.Option(
            "--field",
            "-f",
            metavar="K=V",
            # Brackets escaped: help is rich markup, where [tt_1] would be a style tag.
            help="Form field, PHP brackets as typed: 'codes\\[]=A', "
            "'ticket_type_id\\[tt_1]=2' (repeat).",
            show_default=False,
        ),
    ] = None,
    data: Annotated[
        str | None,
        typer.Option(
            "--data",
            "-d",
            metavar="BODY",
            help="Raw body; @FILE reads a file, @- reads stdin.",
            show_default=False,
        ),
    ] = None,
    json_text: Annotated[
        str | None,
        typer.Option(
            "--json",
            metavar="JSON",
            help="JSON body (the API itself reads forms).",
            show_default=False,
        ),
    ] = None,
    include: Annotated[
        bool,
        typer.Option("--include", "-i", help="Print the status line and headers before the body."),
    ] = False,
) -> None:
    """Send any request to the API with the key added; print the response body.

    Exit code 1 when the API answers with an error status (the body is still printed).
    """
    verb = method.strip().upper()
    if verb not in METHODS:
        fail(f"Method {method!r} is not one of {', '.join(METHODS)}.", EXIT_USAGE)
    if sum(x is not None and x != [] for x in (form, data, json_text)) > 1:
        fail("Give only one body: --field, --data or --json.", EXIT_USAGE)
    headers = dict(_header(h) for h in header or [])
    kwargs: dict[str, Any] = {"params": [_pair(q, "--query") for q in query or []] or None}
    if form:
        kwargs["content"] = urlencode([_pair(f, "--field") for f in form]).encode()
        headers.setdefault("Content-Type", FORM)
    elif data is not None:
        kwargs["content"] = _read_data(data)
        if not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = FORM
    elif json_text is not None:
        try:
            kwargs["json"] = json.loads(json_text)
        except ValueError as exc:
            fail(
                f"--json is not valid JSON ({exc}): quote it, e.g. --json '{{\"a\": 1}}'.",
                EXIT_USAGE,
            )
    response = get_client(ctx).request(
        verb, path, headers=headers or None, raise_for_status=False, **kwargs
    )
    _print(response.status_code, response.headers, response.body, response.text, include=include)
    if response.status_code >= 400:
        typer.echo(f"Error: the API answered {response.status_code}.", err=True)
        raise typer.Exit(EXIT_API)


def _pair(text: str, option: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        fail(f"{option} {text!r} is not NAME=VALUE: write e.g. {option} limit=5.", EXIT_USAGE)
    return name, value


def _header(text: str) -> tuple[str, str]:
    name, sep, value = text.partition(":")
    if not sep or not name.strip():
        fail(f"--header {text!r} is not 'Name: value': write e.g. -H 'X-Trace: 1'.", EXIT_USAGE)
    return name.strip(), value.strip()


def _read_data(data: str) -> bytes:
    if not data.startswith("@"):
        return data.encode()
    source = data[1:]
    if source == "-":
        raw = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode()
    else:
        try:
            raw = Path(source).read_bytes()
        except OSError as exc:
            fail(f"--data {data}: cannot read {source} ({exc.strerror}).", EXIT_USAGE)
    # `echo a=1 | tickettailor call ... -d @-` must send "a=1", not "a=1\n" (a form
    # value ending in a newline): drop one final line end, as curl does with --data.
    return raw.removesuffix(b"\n").removesuffix(b"\r")


def _print(status: int, headers: Any, body: Any, text: str, *, include: bool) -> None:
    """The body as received (the key redacted, should the server echo it); JSON
    pretty-printed when a person is reading."""
    from tickettailor.redact import redact, redact_value

    if include:
        typer.echo(f"HTTP {status}")
        for name, value in headers.multi_items():
            typer.echo(f"{name}: {redact(value)}")
        typer.echo("")
    if isatty(sys.stdout) and body is not None and not isinstance(body, str):
        typer.echo(json.dumps(redact_value(body), ensure_ascii=False, indent=2))
    elif text:
        typer.echo(redact(text))


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app`` (called by ``cli/main.py``)."""
    app.command(
        "call",
        rich_help_panel=PANEL_RECORDS,
        epilog=epilog(
            "tickettailor call GET /v1/events -q status=published -q limit=5",
            "tickettailor call POST /v1/check_ins -f issued_ticket_id=it_1 -f quantity=1",
            "tickettailor call POST /v1/holds -f event_id=ev_1 -f note=VIP "
            "-f 'ticket_type_id[tt_1]=2'",
            "tickettailor call DELETE /v1/holds/ho_1 -i",
        ),
    )(call)
