"""Products (merchandise and add-ons): list, get, create, update, delete."""

from __future__ import annotations

from typing import TypedDict, Unpack

from tickettailor.models import DeleteResult, Product
from tickettailor.resources._base import (
    AsyncResource,
    Call,
    Listing,
    ListSpec,
    Resource,
    SyncResource,
    build_form,
    build_list,
    endpoint,
    lister,
    seg,
)
from tickettailor.resources._types import Paging

__all__ = ["AsyncProducts", "ProductFields", "Products"]


class ProductFields(TypedDict, total=False):
    name: str
    price: int  # cents
    description: str
    quantity: int
    sell_in_store: bool
    photo_required: bool


LIST = ListSpec("/products")


class _Products(Resource):
    @lister
    def list(self, **filters: Unpack[Paging]) -> Listing[Product]:
        return self._list(Product, build_list(LIST, filters, tz=self._tz))

    @endpoint
    def get(self, product_id: str) -> Call[Product]:
        return self._call("GET", f"/products/{seg(product_id)}", Product)

    @endpoint
    def create(self, **fields: Unpack[ProductFields]) -> Call[Product]:
        return self._call("POST", "/products", Product, data=build_form(fields, tz=self._tz))

    @endpoint
    def update(self, product_id: str, **fields: Unpack[ProductFields]) -> Call[Product]:
        data = build_form(fields, tz=self._tz)
        return self._call("POST", f"/products/{seg(product_id)}", Product, data=data)

    @endpoint
    def delete(self, product_id: str) -> Call[DeleteResult]:
        return self._call("DELETE", f"/products/{seg(product_id)}", DeleteResult)


class Products(_Products, SyncResource):
    """Products, blocking."""


class AsyncProducts(_Products, AsyncResource):
    """Products, for asyncio."""
