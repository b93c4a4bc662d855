"""Every public name of the resources carries a docstring.

Public classes (resources and the TypedDicts of filters and fields), their public
methods, and every key of those TypedDicts: a key's docstring is the string literal
right under it (an attribute docstring, which IDEs show).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import sys
from types import ModuleType
from typing import Any, is_typeddict

import pytest

import tickettailor.resources

PUBLIC_MODULES = [
    importlib.import_module(f"tickettailor.resources.{info.name}")
    for info in pkgutil.iter_modules(tickettailor.resources.__path__)
    if not info.name.startswith("_")
]


def _public_classes(module: ModuleType) -> list[tuple[str, type]]:
    names = getattr(module, "__all__", None) or [n for n in vars(module) if not n.startswith("_")]
    return [
        (name, obj)
        for name in names
        if inspect.isclass(obj := getattr(module, name))
        and obj.__module__.startswith("tickettailor.resources")
    ]


def _method_doc(value: Any) -> str | None:
    # @endpoint and @lister keep the method they wrap as ``.method``.
    target = getattr(value, "method", value)
    if isinstance(target, staticmethod | classmethod):
        target = target.__func__
    if isinstance(target, property):
        target = target.fget
    return inspect.getdoc(target) if callable(target) else None


def _is_method(value: Any) -> bool:
    target = getattr(value, "method", value)
    return callable(target) or isinstance(target, staticmethod | classmethod | property)


def _typeddicts() -> list[type]:
    """The TypedDicts the public modules use, with every TypedDict they inherit from."""
    seen: dict[str, type] = {}
    todo = [
        obj
        for module in PUBLIC_MODULES
        for obj in vars(module).values()
        if inspect.isclass(obj)
        and is_typeddict(obj)
        and obj.__module__.startswith("tickettailor.resources")
    ]
    while todo:
        td = todo.pop()
        key = f"{td.__module__}.{td.__qualname__}"
        if key in seen:
            continue
        seen[key] = td
        todo.extend(
            base
            for base in getattr(td, "__orig_bases__", ())
            if inspect.isclass(base)
            and is_typeddict(base)
            and base.__module__.startswith("tickettailor.resources")
        )
    return sorted(seen.values(), key=lambda td: (td.__module__, td.__qualname__))


def test_modules_found() -> None:
    assert {m.__name__.rsplit(".", 1)[1] for m in PUBLIC_MODULES} >= {"orders", "event_series"}


@pytest.mark.parametrize("module", PUBLIC_MODULES, ids=lambda m: m.__name__)
def test_public_classes_and_methods_have_docstrings(module: ModuleType) -> None:
    missing = []
    for name, cls in _public_classes(module):
        if not (cls.__doc__ or "").strip():
            missing.append(name)
        if is_typeddict(cls):
            continue
        for klass in cls.__mro__:
            if not klass.__module__.startswith("tickettailor.resources"):
                continue
            for attr, value in vars(klass).items():
                if attr.startswith("_") or not _is_method(value):
                    continue
                if not _method_doc(value):
                    missing.append(f"{name}.{attr} (from {klass.__qualname__})")
    assert not missing, f"no docstring: {sorted(set(missing))}"


@pytest.mark.parametrize("td", _typeddicts(), ids=lambda td: td.__qualname__)
def test_typeddict_keys_have_docstrings(td: type) -> None:
    source = inspect.getsource(sys.modules[td.__module__])
    tree = ast.parse(source)
    (node,) = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == td.__qualname__]
    missing = []
    keys = 0
    for i, stmt in enumerate(node.body):
        if not isinstance(stmt, ast.AnnAssign):
            continue
        keys += 1
        after = node.body[i + 1] if i + 1 < len(node.body) else None
        documented = (
            isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
            and after.value.value.strip()
        )
        if not documented:
            missing.append(ast.unparse(stmt.target))
    assert keys, f"{td.__qualname__}: no keys found in its source"
    assert not missing, f"{td.__qualname__}: keys without a docstring: {missing}"
