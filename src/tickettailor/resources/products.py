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
    """The fields of a product."""

    name: str
    """The name."""
    price: int
    """The price, in cents."""
    description: str
    """The description shown to buyers."""
    quantity: int
    """How many are in stock."""
    sell_in_store: bool
    """Offer it in the box office."""
    photo_required: bool
    """Whether a photo is required."""


LIST = ListSpec("/products")


class _Products(Resource):
    @lister
    def list(self, **filters: Unpack[Paging]) -> Listing[Product]:
        """Products across all pages (lazy, oldest first); filters as keywords."""
        return self._list(Product, build_list(LIST, filters, tz=self._tz))

    @endpoint
    def get(self, product_id: str) -> Call[Product]:
        """One product by id (``NotFoundError`` when there is none)."""
        return self._call("GET", f"/products/{seg(product_id)}", Product)

    @endpoint
    def create(self, **fields: Unpack[ProductFields]) -> Call[Product]:
        """Create a product from the fields given."""
        return self._call("POST", "/products", Product, data=build_form(fields, tz=self._tz))

    @endpoint
    def update(self, product_id: str, **fields: Unpack[ProductFields]) -> Call[Product]:
        """Change a product: only the fields given are sent."""
        data = build_form(fields, tz=self._tz)
        return self._call("POST", f"/products/{seg(product_id)}", Product, data=data)

    @endpoint
    def delete(self, product_id: str) -> Call[DeleteResult]:
        """Delete a product (``DeleteResult``)."""
        return self._call("DELETE", f"/products/{seg(product_id)}", DeleteResult)


class Products(_Products, SyncResource):
    """Products, blocking."""


class AsyncProducts(_Products, AsyncResource):
    """Products, for asyncio."""
