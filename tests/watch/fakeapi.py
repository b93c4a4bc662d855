"""An in-memory list API with the reference's paging rules, for fast engine tests.

It follows ticket-tailor-api.md s2 and s3 for what a watch uses: ascending ids,
``limit`` 1..100, ``starting_after``, ``created_at.gte`` / ``.lt``, ``updated_at.gte``,
``end_at.gt``, ``event_id`` (a comma list) and ``status`` filters, ``links.next`` null
exactly when nothing follows. Faults are queued per call: a 5xx, a 429, a malformed
body, or a page with repeated rows. The crash tests and the fault tests over HTTP use
the real sandbox instead.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tickettailor._core.errors import RateLimitError, ServerError

PATHS = {
    "or_": "/v1/orders",
    "it_": "/v1/issued_tickets",
    "ch_": "/v1/check_ins",
    "ev_": "/v1/events",
}


@dataclass
class FakeAPI:
    """Records per list path, plus a queue of faults for the next calls."""

    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    faults: list[str] = field(default_factory=list)  # "500", "429", "malformed", "repeat"
    calls: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    next_num: dict[str, int] = field(default_factory=dict)
    ignores_time_filters: set[str] = field(default_factory=set)  # paths, as the real API may

    def add(self, prefix: str, created_at: int, **fields: Any) -> dict[str, Any]:
        """A new record with the next id of its type (ids rise with creation)."""
        num = self.next_num.get(prefix, 1000) + 1
        self.next_num[prefix] = num
        record = {"object": "x", "id": f"{prefix}{num}", "created_at": created_at, **fields}
        if prefix == "it_":
            record.setdefault("status", "valid")
            record.setdefault("updated_at", created_at)
            record.setdefault("voided_at", None)
        self.tables.setdefault(PATHS[prefix], []).append(record)
        return record

    def void(self, ticket_id: str, at: int) -> None:
        for record in self.tables[PATHS["it_"]]:
            if record["id"] == ticket_id:
                record.update(status="voided", updated_at=at, voided_at=at)

    def get_page(self, path: str, params: Mapping[str, str]) -> Any:
        self.calls.append((path, dict(params)))
        fault = self.faults.pop(0) if self.faults else None
        if fault == "500":
            raise ServerError("500: boom", status_code=500)
        if fault == "429":
            raise RateLimitError("429: slow down", status_code=429, retry_after=1.0)
        if fault == "malformed":
            return "<html>Bad gateway</html>"
        if path.count("/") == 3:  # one record: /v1/orders/or_1 (the void scan's re-reads)
            base, _, record_id = path.rpartition("/")
            found = [r for r in self.tables.get(base, []) if r["id"] == record_id]
            return copy.deepcopy(found[0]) if found else {"error": "not found"}
        honoured = {
            k: v for k, v in params.items() if not (path in self.ignores_time_filters and "." in k)
        }
        rows = [r for r in self.tables.get(path, []) if _matches(r, honoured)]
        after = params.get("starting_after")
        if after:
            rows = [r for r in rows if _num(r["id"]) > _num(after)]
        limit = int(params.get("limit", "100"))
        assert 1 <= limit <= 100
        page = copy.deepcopy(rows[:limit])
        if fault == "repeat" and page:
            page = page[:1] + page + page[-1:]
        more = len(rows) > limit
        nxt = f"{path[3:]}?starting_after={page[-1]['id']}" if more else None
        return {"data": page, "links": {"next": nxt, "previous": None}}


def _num(record_id: str) -> int:
    return int(record_id.rsplit("_", 1)[1])


def _matches(record: dict[str, Any], params: Mapping[str, str]) -> bool:
    for name, value in params.items():
        field_name, _, op = name.partition(".")
        if op == "gte" and record.get(field_name, 0) < int(value):
            return False
        if op == "lt" and record.get(field_name, 0) >= int(value):
            return False
        if op == "gt" and record.get(field_name, 0) <= int(value):
            return False
        if name == "event_id" and record.get("event_id") not in value.split(","):
            return False
        if name == "status" and record.get("status") != value:
            return False
    return True
