"""A field first seen late in a big first sync loads into DuckDB.

DuckDB guesses the columns of a JSON lines file from its first 20,480 rows; dlt writes
one load file per table, so a field that only cancelled orders carry, first set after
that row, failed the load ("unknown key"), and every later sync retried the same load
package and failed again. These run the sync's own dlt and DuckDB configuration
(``tickettailor.dlt.sync``) on order-like records: a sandbox of 20,000 orders would take
a minute to sync.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dlt
import pytest
from dlt.pipeline.exceptions import PipelineStepFailed

from tests.dlt.conftest import query
from tickettailor.dlt import sync

ROWS = 20_600  # past DuckDB's sample of 20,480 rows
LATE = 20_590  # the first (and only) cancelled order


def orders() -> Iterator[dict[str, Any]]:
    for i in range(ROWS):
        order: dict[str, Any] = {"id": f"or_{i}", "status": "completed", "total": 1000 + i}
        if i == LATE:
            order |= {"status": "cancelled", "cancelled_reason": "Duplicate order"}
        yield order


def pipeline(folder: Path, destination: Any) -> Any:
    return dlt.pipeline(
        pipeline_name="tickettailor_late_field",
        destination=destination,
        dataset_name=sync.DEFAULT_DATASET,
        pipelines_dir=str(folder / "pipelines"),
    )


def resource() -> Any:
    return dlt.resource(orders(), name="orders", primary_key="id", write_disposition="merge")


def loaded(db: Path) -> list[tuple[Any, ...]]:
    return query(
        db,
        "select count(*), count(distinct id), "
        "max(cancelled_reason), max(case when status = 'cancelled' then id end) "
        "from box_office.orders",
    )


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # the default DuckDB file lands there
    return tmp_path


def test_a_field_first_set_after_duckdbs_sample_loads(in_tmp: Path) -> None:
    sync._run(pipeline(in_tmp, sync._destination("duckdb")), resource(), "duckdb")
    assert loaded(in_tmp / sync.DEFAULT_DUCKDB_FILE) == [
        (ROWS, ROWS, "Duplicate order", f"or_{LATE}")
    ]


def test_a_load_stuck_by_an_older_version_loads_on_the_next_sync(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The older version: dlt's own DuckDB load (the columns guessed) fails, the load
    # package stays in the pipeline's folder. (It gives up after one try, not five.)
    monkeypatch.setenv("LOAD__RAISE_ON_MAX_RETRIES", "1")
    db = in_tmp / sync.DEFAULT_DUCKDB_FILE
    with pytest.raises(PipelineStepFailed, match="unknown key"):
        sync._run(pipeline(in_tmp, dlt.destinations.duckdb(str(db))), resource(), "duckdb")
    # The next sync loads that package first: nothing missing, nothing twice.
    sync._run(pipeline(in_tmp, sync._destination("duckdb")), [], "duckdb")
    assert loaded(db) == [(ROWS, ROWS, "Duplicate order", f"or_{LATE}")]
