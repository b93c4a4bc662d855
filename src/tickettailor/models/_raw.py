"""Read-only JSON containers for ``.raw``.

``RawObject`` and ``RawArray`` subclass ``dict`` and ``list``, so ``json.dumps(model.raw)``,
``isinstance(model.raw, dict)`` and ``==`` work as on the API's JSON, but every method
that would change them raises ``TypeError``. Nested objects and arrays are wrapped when
reached by indexing, ``get`` or iterating an array, so ``raw["buyer_details"]["email"]``
is read-only too, without copying the whole tree up front. ``items()`` and ``values()``
give the stored values unwrapped (as a ``MappingProxyType`` would): ``json.dumps`` goes
through them, and wrapping there would double its cost. ``copy.deepcopy(raw)`` and
``raw.copy()`` give plain, mutable JSON.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any, NoReturn, SupportsIndex, overload

__all__ = ["RawArray", "RawObject", "thaw"]

_MESSAGE = (
    ".raw is the JSON the API sent and is read-only: change a copy "
    "(copy.deepcopy(model.raw)), or the model with model_copy(update=...)."
)


def _refuse(*_args: Any, **_kwargs: Any) -> NoReturn:
    raise TypeError(_MESSAGE)


def _wrap(value: Any) -> Any:
    if type(value) is dict:
        return RawObject(value)
    if type(value) is list:
        return RawArray(value)
    return value


def thaw(value: Any) -> Any:
    """A plain, mutable deep copy of JSON (``RawObject`` -> ``dict``, ``RawArray`` -> ``list``)."""
    if isinstance(value, dict):
        return {key: thaw(item) for key, item in dict.items(value)}
    if isinstance(value, list):
        return [thaw(item) for item in list.__iter__(value)]
    return value


class RawObject(dict[str, Any]):
    """A JSON object that cannot be changed (a ``dict``: ``json.dumps`` takes it)."""

    __slots__ = ()

    def __getitem__(self, key: str) -> Any:
        return _wrap(dict.__getitem__(self, key))

    def get(self, key: str, default: Any = None) -> Any:
        return _wrap(dict.get(self, key, default))

    def copy(self) -> dict[str, Any]:
        """A plain, mutable deep copy."""
        result: dict[str, Any] = thaw(self)
        return result

    def __copy__(self) -> dict[str, Any]:
        return self.copy()

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        return self.copy()

    def __reduce__(self) -> tuple[Any, ...]:
        return (RawObject, (copy.deepcopy(dict(self)),))

    def __repr__(self) -> str:
        return dict.__repr__(self)

    __setitem__ = __delitem__ = _refuse
    clear = pop = popitem = setdefault = update = __ior__ = _refuse


class RawArray(list[Any]):
    """A JSON array that cannot be changed (a ``list``: ``json.dumps`` takes it)."""

    __slots__ = ()

    @overload
    def __getitem__(self, index: SupportsIndex) -> Any: ...
    @overload
    def __getitem__(self, index: slice) -> RawArray: ...
    def __getitem__(self, index: SupportsIndex | slice) -> Any:
        if isinstance(index, slice):
            return RawArray(list.__getitem__(self, index))
        return _wrap(list.__getitem__(self, index))

    def __iter__(self) -> Iterator[Any]:
        return (_wrap(value) for value in list.__iter__(self))

    def copy(self) -> list[Any]:
        """A plain, mutable deep copy."""
        result: list[Any] = thaw(self)
        return result

    def __copy__(self) -> list[Any]:
        return self.copy()

    def __deepcopy__(self, memo: dict[int, Any]) -> list[Any]:
        return self.copy()

    def __reduce__(self) -> tuple[Any, ...]:
        return (RawArray, (copy.deepcopy(list(list.__iter__(self))),))

    def __repr__(self) -> str:
        return list.__repr__(self)

    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse
    append = extend = insert = remove = pop = clear = sort = reverse = _refuse
