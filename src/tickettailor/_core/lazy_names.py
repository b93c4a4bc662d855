"""Names of a package imported on first use (PEP 562), so importing the package is cheap.

    _LAZY = {"Order": "tickettailor.models.order", ...}   # name -> module defining it

    if TYPE_CHECKING:
        from tickettailor.models.order import Order           # what mypy and IDEs read
    else:
        __getattr__, __dir__ = lazy_names(__name__, _LAZY, globals())

``__getattr__`` is given to the interpreter only: mypy reads the imports, so a misspelt
name stays an error for it rather than an ``Any``. A name, once looked up, is kept in
the package's namespace, so later accesses skip the function.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_names"]


def lazy_names(
    package: str, names: Mapping[str, str], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``, whose ``names`` map each public name
    to the module that defines it; ``namespace`` is the package's ``globals()``."""

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(names))

    return __getattr__, __dir__
