"""dlt's DuckDB destination, loading JSON lines with the columns dlt already knows.

dlt's own load of a JSON lines file into DuckDB (``read_json(file)``) lets DuckDB guess
the file's columns from its first 20,480 rows. dlt writes one file per table, so at a
big box office's first sync a field first set after that row (one only cancelled orders
or voided tickets carry) fails the load with "unknown key", and the load package stays
behind to fail the same way on every later run. Here DuckDB is given every column of
the table with its type from dlt's schema instead: each row is read as the table
declares it, a key a row lacks is NULL, and no guessing pass runs. A package that
failed so under an older version loads on the next run, as it is.
"""

from __future__ import annotations

from typing import Any

from dlt.common.data_writers.escape import escape_duckdb_literal
from dlt.common.destination import DestinationReference
from dlt.common.destination.client import LoadJob
from dlt.common.destination.typing import PreparedTableSchema
from dlt.common.schema.utils import is_complete_column
from dlt.common.storages import ParsedLoadJobFileName
from dlt.destinations.impl.duckdb.duck import DuckDbClient, DuckDbCopyJob
from dlt.destinations.impl.duckdb.factory import duckdb as dlt_duckdb

__all__ = ["DuckDb"]

DUCKDB_TYPE = DestinationReference.normalize_type(f"{dlt_duckdb.__module__}.{dlt_duckdb.__name__}")


class JsonlWithColumnsJob(DuckDbCopyJob):
    """A JSON lines file into its table, read with the table's columns and types."""

    def run(self) -> None:
        if ParsedLoadJobFileName.parse(self._file_path).file_format != "jsonl":
            super().run()
            return
        sql = self._job_client.sql_client
        table = sql.make_qualified_table_name(self.load_table_name)
        source = f"read_json({escape_duckdb_literal(self._file_path)}, {self.read_options()})"
        sql.execute_sql(f"INSERT INTO {table} BY NAME SELECT * FROM {source}")  # noqa: S608  (dlt's quoted table name, escaped literals)

    def read_options(self) -> str:
        types = self._job_client.type_mapper
        known = [c for c in self._load_table["columns"].values() if is_complete_column(c)]
        columns = ", ".join(
            f"{escape_duckdb_literal(c['name'])}: "
            f"{escape_duckdb_literal(types.to_destination_type(c, self._load_table))}"
            for c in known
        )
        return f"format='newline_delimited', records=true, columns={{{columns}}}"


class JsonlWithColumnsClient(DuckDbClient):
    def create_load_job(
        self, table: PreparedTableSchema, file_path: str, load_id: str, restore: bool = False
    ) -> LoadJob:
        job = super().create_load_job(table, file_path, load_id, restore)
        return JsonlWithColumnsJob(file_path) if type(job) is DuckDbCopyJob else job


class DuckDb(dlt_duckdb):
    """``dlt.destinations.duckdb`` with the load above; the same destination to dlt (its
    type and name, so a pipeline's state and pending packages carry over)."""

    @property
    def client_class(self) -> type[Any]:
        return JsonlWithColumnsClient

    @property
    def destination_type(self) -> str:
        return DUCKDB_TYPE
