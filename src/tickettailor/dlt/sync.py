"""``run_sync``: the source into a destination, as ``tickettailor sync`` runs it.

Destinations and their credentials are dlt's: a name (``duckdb``, ``postgres``,
``bigquery``...) and ``DESTINATION__<NAME>__CREDENTIALS`` in the environment or
``.dlt/secrets.toml``. Without either, ``duckdb`` writes ``tickettailor.duckdb`` in the
current folder.

The pipeline is named ``tickettailor_<box office id>``; its working folder (dlt's local
copy of the state and any load package a killed run left) is under
``<user data dir>/sync/<key>``, where ``key`` is a hash of destination, credentials and
dataset, so two destinations never share an incremental state. The state itself is also
stored in the destination with the data (dlt's ``_dlt_pipeline_state``), so a lost
working folder costs nothing: the next run restores it from there.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dlt
import platformdirs
from dlt.common.configuration.exceptions import ConfigFieldMissingException
from dlt.common.destination.exceptions import UnknownDestinationModule
from dlt.pipeline.exceptions import PipelineStepFailed

from tickettailor._core.errors import TicketTailorError, UsageError
from tickettailor.dlt.changes import RECHECK_BUDGET, RECHECK_WINDOW
from tickettailor.dlt.source import (
    CHANGES,
    RESOURCES,
    SOURCE_NAME,
    box_office_id,
    tickettailor_source,
)

if TYPE_CHECKING:
    from tickettailor import Client

__all__ = ["DEFAULT_DATASET", "DEFAULT_DUCKDB_FILE", "SyncFailed", "SyncResult", "run_sync"]

# Not "tickettailor": DuckDB names the catalog of tickettailor.duckdb so, and a schema of
# the same name makes every query ambiguous.
DEFAULT_DATASET = "box_office"
DEFAULT_DUCKDB_FILE = "tickettailor.duckdb"
Progress = Callable[[str, int], None]  # (resource, records seen so far)
# DuckDB runs inside this process. Left alone it keeps all it loads in its buffer pool
# (1 GiB at 100k orders, 4x the rest of the sync): with a limit it evicts to its file
# and spills to disk, one thread keeping a query's own buffers inside that limit (64 MB
# loads 100k orders). Not applied when DESTINATION__DUCKDB__CREDENTIALS names the
# database: DuckDB's defaults then.
DUCKDB_SETTINGS: dict[str, Any] = {
    "memory_limit": "64MB",
    "threads": 1,
    "preserve_insertion_order": False,  # lets inserts stream; row order means nothing here
}
# dlt's settings for a sync (bench/bench_sync.py measured each), unless the environment
# sets them: dlt gzips the files it passes from step to step (a third of the sync's CPU,
# for files deleted at the end); it writes them from buffers of 1,000 rows per table
# (of 5,000: 100 MiB less at the peak, no slower); DuckDB loads one table at a time (its
# memory limit is shared by all the jobs running).
DLT_SETTINGS = {
    "DATA_WRITER__DISABLE_COMPRESSION": "true",
    "DATA_WRITER__BUFFER_MAX_ITEMS": "1000",
}
DUCKDB_DLT_SETTINGS = {"LOAD__WORKERS": "1"}


class SyncFailed(TicketTailorError):
    """The destination refused or could not be reached (the message says which)."""


@dataclass
class SyncResult:
    box_office_id: str
    pipeline_name: str
    destination: str
    dataset: str
    rows: dict[str, int] = field(default_factory=dict)  # rows loaded per table
    seconds: float = 0.0
    first_run: bool = False


def _destination(name: str) -> Any:
    """dlt's destination for ``name``; ``duckdb`` without credentials: the default file."""
    from dlt.common.destination import Destination

    if name == "duckdb":
        from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials

        from tickettailor.dlt.duckdb_load import DuckDb

        if _env_credentials(name):
            return DuckDb()
        path = str(Path.cwd() / DEFAULT_DUCKDB_FILE)
        return DuckDb(DuckDbCredentials(path, global_config=DUCKDB_SETTINGS))
    try:
        return Destination.from_reference(name)
    except UnknownDestinationModule:
        raise UsageError(
            f"Unknown destination {name!r}: use one of dlt's, e.g. duckdb, postgres, "
            "bigquery, snowflake, motherduck, filesystem."
        ) from None


def _env_credentials(name: str) -> str:
    return os.environ.get(f"DESTINATION__{name.upper()}__CREDENTIALS", "")


def _working_dir(destination: str, dataset: str) -> Path:
    where = _env_credentials(destination)
    if destination == "duckdb" and not where:
        where = str(Path.cwd() / DEFAULT_DUCKDB_FILE)
    key = hashlib.sha256(f"{destination}\0{where}\0{dataset}".encode()).hexdigest()[:12]
    base = os.environ.get("TICKETTAILOR_DATA_DIR") or platformdirs.user_data_dir("tickettailor")
    return Path(base) / "sync" / f"{destination}-{key}"


def check_resources(names: Sequence[str]) -> list[str]:
    """Resource names as typed (``issued-tickets`` too) -> ours; unknown is a UsageError."""
    out = []
    for name in names:
        norm = name.strip().lower().replace("-", "_")
        if norm not in RESOURCES:
            raise UsageError(f"Unknown resource {name!r}: choose from {', '.join(RESOURCES)}.")
        out.append(norm)
    return out


def run_sync(
    client: Client,
    resources: Sequence[str] = (),
    *,
    destination: str = "duckdb",
    dataset: str = DEFAULT_DATASET,
    full_refresh: bool = False,
    pipeline_dir: str | Path | None = None,
    recheck_window: int = RECHECK_WINDOW,
    recheck_budget: int = RECHECK_BUDGET,
    progress: Progress | None = None,
) -> SyncResult:
    """Sync ``resources`` (default all) of ``client``'s box office into ``destination``.

    Raises ``UsageError`` for an unknown resource or destination and for missing
    credentials, ``SyncFailed`` when the destination fails, and the client's errors.
    """
    wanted = check_resources(resources) or list(RESOURCES)
    target = _destination(destination)
    started = time.monotonic()
    overview = client.overview().raw
    bid = box_office_id(overview)
    name = "tickettailor_" + bid.replace("-", "_")
    pipeline = dlt.pipeline(
        pipeline_name=name,
        destination=target,
        dataset_name=dataset,
        pipelines_dir=str(pipeline_dir or _working_dir(destination, dataset)),
    )
    _check_destination(pipeline, destination)
    first_run = pipeline.first_run
    # A full refresh drops the tables, unless other box offices have rows in them: then
    # this one's state starts afresh (all is read and merged again) and its rows that
    # were not (deleted from the API) go after the load.
    shared = full_refresh and _others(pipeline, bid)
    source = tickettailor_source(
        client,
        wanted,
        overview=overview,
        box_office=bid,
        recheck_window=recheck_window,
        recheck_budget=recheck_budget,
    )
    if shared:
        _forget(pipeline, wanted)
    if progress is not None:
        _count(source, progress)
    try:
        refresh = "drop_sources" if full_refresh and not shared else None
        info = _run(pipeline, source, destination, refresh)
        if shared:
            _prune(pipeline, bid, wanted, info.loads_ids[-1])
    except PipelineStepFailed as exc:
        _reraise(exc.exception, destination)
    trace = pipeline.last_trace
    normalized = trace.last_normalize_info if trace is not None else None
    counts = normalized.row_counts if normalized is not None else {}
    rows = {t: n for t, n in counts.items() if not t.startswith("_dlt")}
    return SyncResult(bid, name, destination, dataset, rows, time.monotonic() - started, first_run)


def _run(pipeline: Any, data: Any, destination: str, refresh: str | None = None) -> Any:
    """``pipeline.run(data)`` with the sync's settings and file format for ``destination``."""
    options: dict[str, Any] = {"refresh": refresh} if refresh else {}
    if destination == "duckdb":
        # DuckDB reads JSON lines itself: 10x faster and a quarter of the memory of dlt's
        # default for it (SQL INSERT statements) at 2,000 orders (bench/bench_sync.py).
        options["loader_file_format"] = "jsonl"
    with _settings(destination):
        return pipeline.run(data, **options)


def _others(pipeline: Any, bid: str) -> bool:
    """Whether the dataset holds rows of another box office (no overview table: no)."""
    try:
        with pipeline.sql_client() as sql:
            table = sql.make_qualified_table_name("overview")
            query = f"SELECT 1 FROM {table} WHERE box_office_id <> %s LIMIT 1"  # noqa: S608  (our table name, quoted by dlt; the value is a parameter)
            with sql.execute_query(query, bid) as cursor:
                return bool(cursor.fetchall())
    except Exception:  # no schema, dataset or table yet: nobody else is there
        return False


def _forget(pipeline: Any, wanted: Sequence[str]) -> None:
    """Start the state of ``wanted`` afresh (cursors, hashes): all is read again."""
    with pipeline.managed_state() as state:
        kept = state.get("sources", {}).get(SOURCE_NAME, {}).get("resources", {})
        for name in wanted:
            kept.pop(name, None)
            kept.pop(CHANGES.get(name, ""), None)


def _prune(pipeline: Any, bid: str, wanted: Sequence[str], load_id: str) -> None:
    """After a full reload of ``bid``: delete its rows this load did not write (records
    the API no longer lists), child rows first. Table names come from our schema,
    quoted by dlt; the values are parameters."""
    tables = pipeline.default_schema.data_table_names()
    with pipeline.sql_client() as sql:
        for root in [t for t in wanted if t in tables]:
            name = sql.make_qualified_table_name(root)
            stale = f"SELECT _dlt_id FROM {name} WHERE box_office_id = %s AND _dlt_load_id <> %s"  # noqa: S608  (see the docstring)
            children = [t for t in tables if t.startswith(root + "__")]
            for table in [*children, root]:
                key = "_dlt_id" if table == root else "_dlt_root_id"
                target = sql.make_qualified_table_name(table)
                delete = f"DELETE FROM {target} WHERE {key} IN ({stale})"  # noqa: S608  (see the docstring)
                sql.execute_sql(delete, bid, load_id)


@contextmanager
def _settings(destination: str) -> Iterator[None]:
    """``DLT_SETTINGS`` in the environment (where dlt reads them) for the run, unless set."""
    wanted = DLT_SETTINGS | (DUCKDB_DLT_SETTINGS if destination == "duckdb" else {})
    added = {key: value for key, value in wanted.items() if key not in os.environ}
    os.environ.update(added)
    try:
        yield
    finally:
        for key in added:
            os.environ.pop(key, None)


def _count(source: Any, progress: Progress) -> None:
    for name, resource in source.resources.items():
        resource.add_map(_ticker(name.removesuffix("_changes"), progress))


def _ticker(public: str, progress: Progress) -> Callable[[Any], Any]:
    seen = 0

    def tick(item: Any) -> Any:  # dlt calls it once per record
        nonlocal seen
        seen += 1
        progress(public, seen)
        return item

    return tick


def _check_destination(pipeline: Any, destination: str) -> None:
    """Credentials and a connection before any API request: a bad destination fails
    first, with nothing extracted."""
    try:
        with pipeline.destination_client() as client:
            client.initialize_storage()
    except ConfigFieldMissingException as exc:
        env = f"DESTINATION__{destination.upper()}__CREDENTIALS"
        missing = ", ".join(str(f) for f in exc.fields) or "credentials"
        raise UsageError(
            f"The {destination} destination needs credentials (missing: {missing}): set "
            f"{env} (e.g. postgresql://user:password@host:5432/db) or put them in "
            ".dlt/secrets.toml."
        ) from None
    except Exception as exc:  # any driver's connection error: report it as one line
        _reraise(exc, destination)


def _reraise(exc: BaseException, destination: str) -> None:
    if isinstance(exc, TicketTailorError):
        raise exc
    if isinstance(exc, ConfigFieldMissingException):
        raise UsageError(f"The {destination} destination needs credentials.") from None
    text = " ".join(str(exc).split())[:300]
    raise SyncFailed(f"The {destination} destination failed: {type(exc).__name__}: {text}")
