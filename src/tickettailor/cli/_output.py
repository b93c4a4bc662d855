"""Printing records: ``--format table|json|jsonl|csv``, progress, and a clean Ctrl-C.

- ``table`` (the default on a terminal): the columns a person wants (``_tables``).
- ``jsonl`` (the default when piped): one record a line, exactly as the API sent it.
- ``json``: one array of records (one object for a single record), pretty-printed.
- ``csv``: flat columns (nested objects as ``a.b``, lists as JSON text) with a header.

Records stream: each page is written (and flushed) as soon as it is fetched, each record
as the API sent it (``.raw``: no typed model is needed), so a consumer down a pipe gets
the records a page at a time at little cost (tables are the exception: they are drawn
once the list is complete). On Ctrl-C, or when the API fails half-way,
what was fetched is still printed whole (the JSON array is closed, the table drawn),
then the command exits 130 (or with the error).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import functools
import io
import json
import signal
import sys
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import tzinfo
from enum import StrEnum
from types import FrameType
from typing import TYPE_CHECKING, Annotated, Any, Protocol

import typer

from tickettailor.cli._tables import (
    TableZone,
    columns_for,
    fit_columns,
    pick_columns,
    plain,
    zone_to_title,
)

if TYPE_CHECKING:
    from rich.console import Console

__all__ = [
    "ColumnsOption",
    "FormatOption",
    "OutputFormat",
    "emit_record",
    "emit_records",
    "isatty",
    "raw_record",
    "resolve_format",
]

# csv decides its header from the first records; this many are read before writing it.
_CSV_HEADER_SAMPLE = 100
_PIPE_WIDTH = 400  # characters per table line when not on a terminal


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"


FormatOption = Annotated[
    OutputFormat | None,
    typer.Option(
        "--format",
        case_sensitive=False,
        help="Output format: table (default on a terminal), json, jsonl (default when "
        "piped) or csv. JSON formats carry each record exactly as the API returned it.",
        metavar="FORMAT",
        show_default=False,
    ),
]


ColumnsOption = Annotated[
    str | None,
    typer.Option(
        "--columns",
        help="Table columns to show, in order: titles (id,when,buyer) or fields of the "
        "record (buyer_details.email). Default: what fits the terminal.",
        metavar="A,B,C",
        show_default=False,
    ),
]

Zone = TableZone | tzinfo


def _table_zone(zone: Zone) -> TableZone:
    return zone if isinstance(zone, TableZone) else TableZone(zone)


def resolve_format(fmt: OutputFormat | None) -> OutputFormat:
    """The format asked for, else table on a terminal and JSON lines when piped."""
    if fmt is not None:
        return fmt
    return OutputFormat.table if isatty(sys.stdout) else OutputFormat.jsonl


def isatty(stream: Any) -> bool:
    """Whether ``stream`` is a terminal (False for anything that cannot say)."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def raw_record(record: Any) -> dict[str, Any]:
    """The record as the API returned it: a model's ``.raw``, or the dict itself."""
    raw = getattr(record, "raw", record)
    if isinstance(raw, dict):
        return raw  # not copied: the writers only read it
    if isinstance(raw, Mapping):
        return dict(raw)
    raise TypeError(f"not a record: {type(record).__name__}")


class _WriteGuard:
    """Holds Ctrl-C back while a record is being written, so no line is torn.

    A pipe takes a long line in several writes; an interrupt between them would leave
    half a record. While a listing runs, SIGINT sets a flag during a write and is
    raised as KeyboardInterrupt right after it (and at once between writes).
    """

    def __init__(self) -> None:
        self.writing = False
        self.pending = False

    def on_sigint(self, _signum: int, _frame: FrameType | None) -> None:
        if self.writing:
            self.pending = True
            return
        raise KeyboardInterrupt

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield  # signal handlers can only be set from the main thread
            return
        previous = signal.signal(signal.SIGINT, self.on_sigint)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)
            self.pending = False

    @contextlib.contextmanager
    def writing_now(self) -> Iterator[None]:
        self.writing = True
        try:
            yield
        finally:
            self.writing = False
        if self.pending:
            self.pending = False
            raise KeyboardInterrupt


_GUARD = _WriteGuard()
# Output not yet flushed to stdout: ``_flush`` writes it after each page. Text, or
# UTF-8 bytes (JSON lines, from orjson: written as they are, with no decoding).
_PENDING: list[str | bytes] = []


def _write(text: str | bytes) -> None:
    _PENDING.append(text)


def _flush() -> None:
    """Write what is pending in one go (Ctrl-C is held back until it is written)."""
    with _GUARD.writing_now():
        parts = _PENDING[:]
        _PENDING.clear()
        # Look sys.stdout up on every write: rich's progress display swaps it for a proxy.
        out = sys.stdout
        buffer = out.buffer if isinstance(out, io.TextIOWrapper) else None
        if buffer is None:
            out.write("".join(_text(part) for part in parts))
            out.flush()
            return
        out.flush()  # what was written as text before, first
        if _is_utf8(out.encoding) and not any(isinstance(part, str) for part in parts):
            data = b"".join(parts)  # type: ignore[arg-type]  # all bytes: checked above
        else:
            text = "".join(_text(part) for part in parts)
            data = text.encode(out.encoding, out.errors or "strict")
        if isinstance(buffer, io.RawIOBase):
            # An unbuffered stdout (python -u, PYTHONUNBUFFERED) writes straight to the
            # file: a page into a pipe may go out in parts (a signal can cut a write
            # short). Write the bytes until all are out.
            _write_all(buffer, data)
        else:
            buffer.write(data)
            buffer.flush()


def _text(part: str | bytes) -> str:
    return part if isinstance(part, str) else part.decode()


@functools.cache
def _is_utf8(encoding: str) -> bool:
    return codecs.lookup(encoding).name == "utf-8"


def _write_all(raw: io.RawIOBase, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = raw.write(view)
        view = view[written or 0 :]


def _as_dict(value: object) -> dict[str, Any]:
    """A read-only mapping inside a record (a model's ``.raw`` may hold them), for JSON."""
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


# Built once: json.dumps with options builds an encoder on every call.
_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_as_dict)
_PRETTY = json.JSONEncoder(ensure_ascii=False, indent=2, default=_as_dict)


def _json_line(record: Mapping[str, Any]) -> str | bytes:
    """``record`` as one line of JSON with its newline: UTF-8 bytes from orjson, or text
    from json for what orjson refuses."""
    # orjson writes a record in a quarter of json's time (32 us a record was most of
    # what `orders list --format jsonl` spends past its start-up): the same JSON text
    # but for floats, written as short (1e-7 where json writes 1e-07: the same number)
    # and NaN or Infinity as null (the API never sends them: PHP's json_encode refuses
    # them, and json would write text that is not JSON).
    import orjson  # here, not at import: the CLI starts fast

    try:
        return orjson.dumps(record, default=_as_dict, option=orjson.OPT_APPEND_NEWLINE)
    except TypeError:  # an integer beyond 64 bits, a lone surrogate: json writes them
        return _COMPACT.encode(record) + "\n"


# -- writers ---------------------------------------------------------------------------


class _Writer(Protocol):
    def add(self, record: dict[str, Any]) -> None: ...

    def finish(self) -> None: ...


class _JsonLines:
    def add(self, record: dict[str, Any]) -> None:
        _write(_json_line(record))

    def finish(self) -> None:
        return None


class _JsonArray:
    def __init__(self) -> None:
        self.count = 0

    def add(self, record: dict[str, Any]) -> None:
        text = _PRETTY.encode(record).replace("\n", "\n  ")
        self.count += 1  # before writing: an interrupt is raised once the write is done
        _write(("[\n  " if self.count == 1 else ",\n  ") + text)

    def finish(self) -> None:
        _write("[]\n" if self.count == 0 else "\n]\n")


def flatten(
    record: Mapping[str, Any], prefix: str = "", *, summarise_lists: bool = False
) -> dict[str, str]:
    """Nested objects as ``parent.child`` columns; lists stay one cell of JSON text.

    ``summarise_lists`` (for reading, not for data): lists of records as their ids, and
    date objects as their ISO time.
    """
    flat: dict[str, str] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if summarise_lists and isinstance(value, Mapping) and "iso" in value and "unix" in value:
            flat[name] = str(value["iso"])  # a date object: its six keys say one thing
        elif isinstance(value, Mapping) and value:
            flat.update(flatten(value, name + ".", summarise_lists=summarise_lists))
        elif summarise_lists and _list_of_records(value):
            flat[name] = f"{len(value)}: " + ", ".join(str(item["id"]) for item in value)
        else:
            flat[name] = plain(value)
    return flat


def _list_of_records(value: object) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(item, Mapping) and "id" in item for item in value)
    )


class _Csv:
    def __init__(self) -> None:
        self.pending: list[dict[str, str]] = []
        self.header: list[str] | None = None
        self.dropped: set[str] = set()

    def add(self, record: dict[str, Any]) -> None:
        row = flatten(record)
        if self.header is None:
            self.pending.append(row)
            if len(self.pending) >= _CSV_HEADER_SAMPLE:
                self._start()
            return
        self._row(row)

    def _start(self) -> None:
        header: dict[str, None] = {}
        for row in self.pending:
            header.update(dict.fromkeys(row))
        self.header = list(header)
        self._line(self.header)
        self._drain()

    def _drain(self) -> None:
        # One row at a time off the queue: an interrupt leaves the rest for finish().
        while self.pending:
            self._row(self.pending.pop(0))

    def _row(self, row: dict[str, str]) -> None:
        header = self.header or []  # always set by _start before any row is written
        self.dropped.update(set(row) - set(header))
        self._line([row.get(name, "") for name in header])

    def _line(self, cells: list[str]) -> None:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerow(cells)
        _write(buffer.getvalue())

    def finish(self) -> None:
        if self.header is None and self.pending:
            self._start()
        self._drain()
        if self.dropped:
            _note(
                f"csv: columns that first appeared after the header were left out "
                f"({', '.join(sorted(self.dropped))}); use --format jsonl to keep everything."
            )


class _Table:
    def __init__(self, kind: str | None, zone: Zone, noun: str, columns: str | None) -> None:
        self.kind = kind
        self.zone = _table_zone(zone)
        self.noun = noun
        self.wanted = [name for name in (columns or "").split(",") if name.strip()]
        self.records: list[dict[str, Any]] = []

    def add(self, record: dict[str, Any]) -> None:
        self.records.append(record)

    def finish(self, *, failed: bool = False) -> None:
        if not self.records:
            if not failed:  # after an error, "none found" would be untrue
                _note(f"No {self.noun} found.")
            return
        from rich import box
        from rich.table import Table

        first = self.records[0]
        columns = (
            pick_columns(self.kind, first, self.wanted)
            if self.wanted
            else columns_for(self.kind, first)
        )
        rows = [[column.cell(record, self.zone) for column in columns] for record in self.records]
        titles = zone_to_title([column.title for column in columns], rows)
        console = _console()
        widths = fit_columns(columns, [titles, *rows], console.width)
        shown = [i for i, width in enumerate(widths) if width]
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, highlight=False)
        for i in shown:
            table.add_column(
                titles[i],
                justify=columns[i].justify,  # type: ignore[arg-type]  # one of rich's literals
                no_wrap=True,
                overflow="ellipsis",
                width=widths[i],
            )
        for row in rows:
            table.add_row(*(row[i] for i in shown))
        console.print(table)
        left_out = [columns[i].title for i, width in enumerate(widths) if not width]
        if left_out:
            _note(
                f"(left out to fit {console.width} columns: {', '.join(left_out)}; "
                "--columns picks them)"
            )


def _console() -> Console:
    from rich.console import Console  # rich draws tables; JSON and csv do without

    # On a terminal rich fits the table to its width. Into a file or pipe there is no
    # width to fit, so draw rows unwrapped rather than squeezed into 80 columns.
    width = None if isatty(sys.stdout) else _PIPE_WIDTH
    return Console(file=sys.stdout, highlight=False, soft_wrap=False, width=width)


def _note(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def _writer(
    fmt: OutputFormat, kind: str | None, zone: Zone, noun: str, columns: str | None = None
) -> _Writer:
    if fmt is OutputFormat.table:
        return _Table(kind, zone, noun, columns)
    if fmt is OutputFormat.json:
        return _JsonArray()
    if fmt is OutputFormat.csv:
        return _Csv()
    return _JsonLines()


# -- entry points ----------------------------------------------------------------------


@contextlib.contextmanager
def _progress(noun: str, enabled: bool) -> Iterator[Any]:
    """A transient "N orders fetched" counter on stderr, when stderr is a terminal."""
    if not enabled:
        yield None
        return
    from rich.console import Console

    console = Console(file=sys.stderr)
    with console.status(f"Fetching {noun}…") as status:
        yield status


def emit_records(
    records: Iterable[Any],
    fmt: OutputFormat | None,
    *,
    kind: str | None,
    zone: Zone,
    noun: str = "records",
    progress: bool = True,
    columns: str | None = None,
) -> int:
    """Print ``records`` (models or dicts) as they arrive; return how many were printed.

    ``progress``: show a counter on stderr when it is a terminal (off for local lists).

    Ctrl-C stops the listing: what was fetched is printed whole and the command exits
    130. An error half-way does the same, then lets the error propagate.
    """
    chosen = resolve_format(fmt)
    writer = _writer(chosen, kind, zone, noun, columns)
    count = 0
    try:
        with _GUARD.installed(), _progress(noun, progress and isatty(sys.stderr)) as status:
            for batch in _batches(records):
                for record in batch:
                    writer.add(raw_record(record))
                count += len(batch)
                _flush()
                if status is not None:
                    status.update(f"Fetching {noun}… {count}")
    except KeyboardInterrupt:
        _finish(writer)
        _note(f"Interrupted after {count} {noun}.")
        raise typer.Exit(130) from None
    except BaseException:
        _finish(writer, failed=True)
        raise
    _finish(writer)
    return count


def _batches(records: Iterable[Any]) -> Iterator[Sequence[Any]]:
    """The records a page at a time from a list of the library (each page is written
    as it arrives), else one at a time."""
    pages = getattr(records, "pages", None)
    if callable(pages):
        for page in pages():
            yield page.data
        return
    for record in records:
        yield (record,)


def _finish(writer: _Writer, *, failed: bool = False) -> None:
    """Finish ``writer`` and write what is left."""
    if isinstance(writer, _Table):
        writer.finish(failed=failed)
    else:
        writer.finish()
    _flush()


def emit_record(record: Any, fmt: OutputFormat | None, *, kind: str | None, zone: Zone) -> None:
    """Print one record: an object for json, one line for jsonl, a detail table."""
    raw = raw_record(record)
    chosen = resolve_format(fmt)
    if chosen is OutputFormat.json:
        _write(_PRETTY.encode(raw) + "\n")
        _flush()
    elif chosen is OutputFormat.table:
        _detail_table(raw, kind, zone)
    else:
        writer = _writer(chosen, kind, zone, "records")
        writer.add(raw)
        _finish(writer)


def _detail_table(raw: dict[str, Any], kind: str | None, zone: Zone) -> None:
    """One record as field/value rows: the summary columns first, then every field."""
    from rich import box
    from rich.table import Table

    table = Table(
        box=box.SIMPLE, show_header=False, pad_edge=False, show_edge=False, highlight=False
    )
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    # No summary for a reply of no known kind (a void's {id, object, voided}): the
    # columns of its ``object`` would be empty rows.
    columns = columns_for(kind, raw) if kind is not None else []
    summary = [(column.title, column.cell(raw, _table_zone(zone))) for column in columns]
    for title, text in summary:
        if text:
            table.add_row(title, text)
    if any(text for _, text in summary):
        table.add_section()
    for key, text in flatten(raw, summarise_lists=True).items():
        table.add_row(key, text if len(text) <= 300 else text[:299] + "…")
    _console().print(table)
