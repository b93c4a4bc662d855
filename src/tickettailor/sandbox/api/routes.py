"""An endpoint of /v1: method, path, permission, and what answers it (a read, or a
write run through ``Sandbox.write``). Each resource module lists its own in ``ROUTES``."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tickettailor.sandbox.api.reading import Resource, View, get_one, list_page, require_parent
from tickettailor.sandbox.api.writing import WriteHandler

ID = r"([a-z]{2}_[^/]+)"  # what ``{id}`` in a path stands for


@dataclass(frozen=True)
class Call:
    """One matched read: the box office view, query parameters, the ids in the path and
    the path as ``links`` write it (no ``/v1``)."""

    view: View
    params: dict[str, str]
    ids: tuple[str, ...]
    link_path: str


ReadHandler = Callable[[Call], Any]


@dataclass(frozen=True)
class Endpoint:
    """``path`` is under /v1 with ``{id}`` for each id, e.g. ``orders/{id}``."""

    method: str
    path: str
    permission: str
    read: ReadHandler | None = None
    write: WriteHandler | None = None
    status: int = 200
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        pattern = re.compile("/v1/" + self.path.replace("{id}", ID))
        object.__setattr__(self, "pattern", pattern)

    @property
    def first_segment(self) -> str:
        return self.path.split("/", 1)[0]


def listing(path: str, resource: Resource) -> Endpoint:
    """GET a list page of ``resource``."""
    return Endpoint(
        "GET",
        path,
        resource.permission,
        read=lambda call: list_page(call.view, resource, call.params, call.link_path),
    )


def single(path: str, resource: Resource) -> Endpoint:
    """GET one record of ``resource`` by the id in the path."""
    return Endpoint(
        "GET",
        path,
        resource.permission,
        read=lambda call: get_one(call.view, resource, call.ids[0]),
    )


def nested_listing(
    path: str, resource: Resource, parent_table: str, parent_prefix: str, kind: str | None = None
) -> Endpoint:
    """GET a list page of ``resource`` under the parent whose id is first in the path."""

    def read(call: Call) -> Any:
        parent = require_parent(call.view, parent_table, parent_prefix, call.ids[0], kind)
        return list_page(call.view, resource, call.params, call.link_path, parent)

    return Endpoint("GET", path, resource.permission, read=read)


def write(
    method: str, path: str, permission: str, handler: WriteHandler, status: int = 200
) -> Endpoint:
    """An endpoint that changes data; ``status`` is its answer's (201 for a create)."""
    return Endpoint(method, path, permission, write=handler, status=status)


def record_routes(
    path: str,
    resource: Resource,
    create: WriteHandler,
    update: WriteHandler,
    delete: WriteHandler | None = None,
) -> list[Endpoint]:
    """The usual endpoints of a record type at ``path``: the list, one record, create
    (201), update and delete, all under the resource's permission."""
    permission = resource.permission
    routes = [
        listing(path, resource),
        single(path + "/{id}", resource),
        write("POST", path, permission, create, 201),
        write("POST", path + "/{id}", permission, update),
    ]
    if delete is not None:
        routes.append(write("DELETE", path + "/{id}", permission, delete))
    return routes
