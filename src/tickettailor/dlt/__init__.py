"""Your box office in SQL: a dlt source on our own ``Client``, and the sync that runs it.

Needs the extra: ``pip install 'tickettailor[dlt]'``. ``tickettailor_source(client)`` is
a ``dlt`` source to run in any pipeline; ``run_sync`` is what ``tickettailor sync`` runs
(DuckDB file ``tickettailor.duckdb`` by default). Change detection's pure parts are in
``tickettailor.dlt.changes``.
"""

from __future__ import annotations

from tickettailor.dlt.source import RESOURCES, box_office_id, tickettailor_source
from tickettailor.dlt.sync import SyncResult, run_sync

__all__ = ["RESOURCES", "SyncResult", "box_office_id", "run_sync", "tickettailor_source"]
