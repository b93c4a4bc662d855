"""Records kept under a series in ``objects``: overrides, ticket groups and bundles
(reference §3.2). Overrides have a list; ticket groups and bundles are embedded in their
series and its events."""

# ruff: noqa: S608  (SQL text is built from internal table names only; values are bound parameters)
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from tickettailor.sandbox.api.reading import Resource, View, marks, render_objects, require_parent
from tickettailor.sandbox.api.routes import Endpoint, nested_listing, write
from tickettailor.sandbox.api.shapes import generic
from tickettailor.sandbox.api.writing import (
    COMMON_READ_ONLY,
    Change,
    WriteHandler,
    deleted,
    insert_object,
    path_id,
    read_object,
    render_object,
    save_object,
    take_id,
)
from tickettailor.sandbox.errors import not_found
from tickettailor.sandbox.forms import Form
from tickettailor.sandbox.schema import ObjectRow

OVERRIDES = Resource("event_series", "ov", "objects", ObjectRow, (),
                     render_objects("override", "ov"), kind="override",
                     parent_column="parent_id")  # fmt: skip


def embed_groups(
    view: View, objs: list[dict[str, Any]], series_ids: Sequence[int], key: str, groups: str
) -> None:
    """Ticket groups and bundles written under a series (issue 5), embedded in its
    series and events; most series have none, so this is one indexed lookup."""
    if not series_ids:
        return
    found: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for kind, oid, parent, body in view.query(
        "SELECT kind, id, parent_id, body FROM {p}objects WHERE kind IN ('ticket_group', "
        f"'bundle') AND parent_id IN ({marks(series_ids)}) ORDER BY id",
        list(series_ids),
    ):
        prefix = "tg" if kind == "ticket_group" else "bu"
        item = generic(kind, prefix, oid, body)
        found.setdefault((kind, f"es_{parent}"), []).append(item)
    for obj in objs:
        obj[groups] = found.get(("ticket_group", obj[key]), [])
        obj["bundles"] = found.get(("bundle", obj[key]), [])


# ---- writes -------------------------------------------------------------------------

Fields = Callable[[Form, bool], dict[str, Any]]


def _handlers(
    kind: str, prefix: str, fields: Fields
) -> tuple[WriteHandler, WriteHandler, WriteHandler]:
    """Create, update and delete handlers for a simple record kept under a series."""

    def create(change: Change, form: Form, ids: tuple[str, ...]) -> Any:
        sid = require_parent(change, "series", "es", ids[0])
        form.read_only(COMMON_READ_ONLY)
        body = fields(form, True)
        form.check()
        oid = take_id(change, kind)
        if kind == "override":
            body["created_at"] = change.now
        insert_object(change, kind, oid, body, parent=sid)
        return render_object(change, kind, prefix, oid)

    def update(change: Change, form: Form, ids: tuple[str, ...]) -> Any:
        sid = require_parent(change, "series", "es", ids[0])
        oid = path_id(ids[1], prefix)
        body, parent = read_object(change, kind, oid)
        if parent != sid:
            raise not_found()
        form.read_only(COMMON_READ_ONLY)
        body.update({k: v for k, v in fields(form, False).items() if v is not None})
        form.check()
        save_object(change, kind, oid, body)
        return render_object(change, kind, prefix, oid)

    def delete(change: Change, _form: Form, ids: tuple[str, ...]) -> Any:
        sid = require_parent(change, "series", "es", ids[0])
        oid = path_id(ids[1], prefix)
        if read_object(change, kind, oid)[1] != sid:
            raise not_found()
        change.execute("DELETE FROM {p}objects WHERE kind = ? AND id = ?", (kind, oid))
        return deleted(prefix, oid, kind)

    return create, update, delete


def _override_fields(form: Form, create: bool) -> dict[str, Any]:
    return {
        "name": form.text("name", required=create, max_length=255),
        "max_sellable_tickets": form.integer("max_sellable_tickets", high=10**7),
    }


def _group_fields(form: Form, create: bool) -> dict[str, Any]:
    return {
        "name": form.text("name", required=create, max_length=255),
        "max_per_order": form.integer("max_per_order", low=1, high=10_000),
        "sort_order": form.integer("sort_order", high=10**6)
        if form.has("sort_order")
        else (0 if create else None),
        "ticket_ids": [f"tt_{t}" for t in form.id_list("ticket_ids", "tt") or []]
        if create or form.has("ticket_ids")
        else None,
    }


def _bundle_fields(form: Form, create: bool) -> dict[str, Any]:
    quantities = form.id_map("ticket_type_ids", "tt", low=1)
    if create and quantities is None:
        form.error("ticket_type_ids", "Value is required and can't be empty")
    return {
        "name": form.text("name", required=create, max_length=255),
        "description": form.text("description", required=create, max_length=5000),
        "price": form.integer("price", required=create, high=10**8),
        "ticket_types": None
        if quantities is None
        else [{"ticket_type_id": f"tt_{t}", "quantity": q} for t, q in quantities.items()],
    }


_OVERRIDE = _handlers("override", "ov", _override_fields)
_TICKET_GROUP = _handlers("ticket_group", "tg", _group_fields)
_BUNDLE = _handlers("bundle", "bu", _bundle_fields)

ROUTES: list[Endpoint] = [
    nested_listing("event_series/{id}/overrides", OVERRIDES, "series", "es"),
    write("POST", "event_series/{id}/overrides", "event_series", _OVERRIDE[0], 201),
    write("POST", "event_series/{id}/overrides/{id}", "event_series", _OVERRIDE[1]),
    write("POST", "event_series/{id}/ticket_groups", "event_series", _TICKET_GROUP[0], 201),
    write("POST", "event_series/{id}/ticket_groups/{id}", "event_series", _TICKET_GROUP[1]),
    write("DELETE", "event_series/{id}/ticket_groups/{id}", "event_series", _TICKET_GROUP[2]),
    write("POST", "event_series/{id}/bundles", "event_series", _BUNDLE[0], 201),
    write("POST", "event_series/{id}/bundles/{id}", "event_series", _BUNDLE[1]),
    write("DELETE", "event_series/{id}/bundles/{id}", "event_series", _BUNDLE[2]),
]
