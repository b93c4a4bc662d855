"""Field descriptions from attribute docstrings: the string literal under a field.

    class Order(APIObject):
        total: int
        \"\"\"Total charged, in minor units.\"\"\"    # -> Order.model_fields["total"].description

IDEs show these docstrings; ``describe_fields`` copies them into the fields'
``description`` (``help()``, JSON schema), as pydantic's ``use_attribute_docstrings``
does. Pydantic finds each class's source by walking the import's stack frames and asking
``inspect`` which module each frame belongs to, which cost ~1 ms a model, a third of
what building the models costs at import. Here each module's source is parsed once
(``ast``), and a class is found in it by name.
"""

from __future__ import annotations

import ast
import functools
import inspect
import itertools
import sys
from typing import Any

__all__ = ["describe_fields"]


def describe_fields(cls: Any) -> None:
    """Give each field ``cls`` declares a ``description`` from its docstring (a field
    that already has one keeps it)."""
    docs = _class_docs(cls.__module__).get(cls.__qualname__, {})
    for name, field in cls.__pydantic_fields__.items():
        if field.description is None and name in docs:
            field.description = docs[name]


@functools.cache
def _class_docs(module_name: str) -> dict[str, dict[str, str]]:
    """Per class of the module (by qualified name): field name -> its docstring."""
    module = sys.modules.get(module_name)
    try:
        tree = ast.parse(inspect.getsource(module)) if module is not None else None
    except (OSError, TypeError):  # no source (frozen, interactive): no descriptions
        return {}
    found: dict[str, dict[str, str]] = {}
    _collect(tree.body if tree is not None else [], "", found)
    return found


def _collect(body: list[ast.stmt], prefix: str, found: dict[str, dict[str, str]]) -> None:
    for node in body:
        if isinstance(node, ast.ClassDef):
            name = prefix + node.name
            found[name] = _field_docs(node.body)
            _collect(node.body, name + ".", found)


def _field_docs(body: list[ast.stmt]) -> dict[str, str]:
    docs: dict[str, str] = {}
    for node, after in itertools.pairwise(body):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            docs[node.target.id] = inspect.cleandoc(after.value.value)
    return docs
