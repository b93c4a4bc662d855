"""Waitlist signups of a series (reference §3.2): the list under
/v1/event_series/{id}/waitlist_signups and the delete."""

from __future__ import annotations

from typing import Any

from tickettailor.sandbox.api.events import find_series
from tickettailor.sandbox.api.reading import Resource, render_objects
from tickettailor.sandbox.api.routes import Endpoint, nested_listing, write
from tickettailor.sandbox.api.writing import Change, deleted, path_id, read_object
from tickettailor.sandbox.errors import not_found
from tickettailor.sandbox.forms import Form
from tickettailor.sandbox.schema import ObjectRow

WAITLIST_SIGNUPS = Resource("waitlist_signups", "ws", "objects", ObjectRow, (),
                            render_objects("waitlist_signup", "ws"), kind="waitlist_signup",
                            parent_column="parent_id")  # fmt: skip


def delete(change: Change, _form: Form, ids: tuple[str, ...]) -> Any:
    sid = find_series(change, ids[0]).id
    oid = path_id(ids[1], "ws")
    if read_object(change, "waitlist_signup", oid)[1] != sid:
        raise not_found()
    change.execute("DELETE FROM {p}objects WHERE kind = 'waitlist_signup' AND id = ?", (oid,))
    return deleted("ws", oid, "waitlist_signup")


ROUTES: list[Endpoint] = [
    nested_listing("event_series/{id}/waitlist_signups", WAITLIST_SIGNUPS, "series", "es"),
    write("DELETE", "event_series/{id}/waitlist_signup/{id}", "waitlist_signups", delete),
]
