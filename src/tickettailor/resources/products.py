"""Products (merchandise and add-ons): list, get, create, update, delete."""

from __future__ import annotations

from typing import TypedDict, Unpack

from tickettailor._core.pagination import AsyncPager, Pager
from tickettailor.models import DeleteResult, Product
from tickettailor.resources._base import (
    AsyncResource,
    ListSpec,
    SyncResource,
    build_form,
    build_list,
    seg,
)
from tickettailor.resources._types import Paging

__all__ = ["AsyncProducts", "ProductFields", "Products"]


class ProductFields(TypedDict, total=False):
    """The fields of a product."""

    name: str
    price: int  # cents
    description: str
    quantity: int
    sell_in_store: bool
    photo_required: bool


LIST = ListSpec("/products")


class Products(SyncResource):
    """``client.products``: the product endpoints."""

    def list(self, **filters: Unpack[Paging]) -> Pager[Product]:
        """Products across all pages (lazy, oldest first); filters as keywords."""
        return self._list(Product, build_list(LIST, filters, tz=self._tz))

    def get(self, product_id: str) -> Product:
        """One product by id (``NotFoundError`` when there is none)."""
        return self._call("GET", f"/products/{seg(product_id)}", Product)

    def create(self, **fields: Unpack[ProductFields]) -> Product:
        """Create a product from the fields given."""
        return self._call("POST", "/products", Product, data=build_form(fields, tz=self._tz))

    def update(self, product_id: str, **fields: Unpack[ProductFields]) -> Product:
        """Change a product: only the fields given are sent."""
        data = build_form(fields, tz=self._tz)
        return self._call("POST", f"/products/{seg(product_id)}", Product, data=data)

    def delete(self, product_id: str) -> DeleteResult:
        """Delete a product (``DeleteResult``)."""
        return self._call("DELETE", f"/products/{seg(product_id)}", DeleteResult)


class AsyncProducts(AsyncResource):
    """``AsyncClient.products``: the calls of ``Products``, awaited."""

    def list(self, **filters: Unpack[Paging]) -> AsyncPager[Product]:
        """Products across all pages (lazy, oldest first); filters as keywords."""
        return self._list(Product, build_list(LIST, filters, tz=self._tz))

    async def get(self, product_id: str) -> Product:
        """One product by id (``NotFoundError`` when there is none)."""
        return await self._call("GET", f"/products/{seg(product_id)}", Product)

    async def create(self, **fields: Unpack[ProductFields]) -> Product:
        """Create a product from the fields given."""
        data = build_form(fields, tz=self._tz)
        return await self._call("POST", "/products", Product, data=data)

    async def update(self, product_id: str, **fields: Unpack[ProductFields]) -> Product:
        """Change a product: only the fields given are sent."""
        data = build_form(fields, tz=self._tz)
        return await self._call("POST", f"/products/{seg(product_id)}", Product, data=data)

    async def delete(self, product_id: str) -> DeleteResult:
        """Delete a product (``DeleteResult``)."""
        return await self._call("DELETE", f"/products/{seg(product_id)}", DeleteResult)
