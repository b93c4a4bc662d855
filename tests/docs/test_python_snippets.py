"""Every Python snippet and every library call written in README.md and docs/*.md works:
the ``python`` blocks run as scripts against the document's sandbox, and each call in
an inline span (the README's "Library call" column) runs against it in-process.

In an inline call, ``...`` stands for a value of your own; the test puts in a sample
for the argument it fills (``sinks=[...]`` gets a list sink). ``Watch(...).run(...)``
runs one cycle instead of forever.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import tickettailor
from tests.docs.markdown import Snippet, all_documents
from tests.docs.runner import Environments

pytestmark = pytest.mark.slow  # sandboxes and subprocesses: seconds each
DOCS = all_documents()
SNIPPETS = [s for doc in DOCS for s in doc.snippets]
CALL_ROOTS = {"Client", "AsyncClient", "Watch", "client"}


def library_call(span: str) -> ast.expr | None:
    """The span as a Python expression, when it is a call of the library."""
    try:
        tree = ast.parse(span, mode="eval").body
    except SyntaxError:
        return None
    root: ast.expr = tree
    while isinstance(root, ast.Call | ast.Attribute):
        root = root.func if isinstance(root, ast.Call) else root.value
    if isinstance(tree, ast.Call) and isinstance(root, ast.Name) and root.id in CALL_ROOTS:
        return tree
    return None


CALLS = [(doc.path, line, span) for doc in DOCS for line, span in doc.spans if library_call(span)]


def imported_names(code: str) -> list[tuple[str, str]]:
    """(module, name) of every ``from tickettailor... import name`` in the code."""
    return [
        (node.module, alias.name)
        for node in ast.walk(ast.parse(code))
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tickettailor")
        for alias in node.names
    ]


@pytest.mark.parametrize("snippet", SNIPPETS, ids=[f"{s.doc}:{s.line}" for s in SNIPPETS])
def test_python_snippet_runs(snippet: Snippet, environments: Environments) -> None:
    for module, name in imported_names(snippet.code):  # skipped or not, its imports work
        assert hasattr(__import__(module, fromlist=[name]), name), f"{module}.{name}"
    if snippet.skip:
        pytest.skip(f"{snippet.doc}:{snippet.line}: marked in the document: {snippet.skip}")
    doc = environments.get(snippet.doc)
    result = subprocess.run(
        [sys.executable, "-c", snippet.code], cwd=doc.folder, env=doc.env,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]


class ListSink:
    name = "docs"

    def __init__(self) -> None:
        self.got: list[Any] = []

    def __call__(self, envelope: Any) -> None:
        self.got.append(envelope)


class OneCycleWatch(tickettailor.Watch):
    """``Watch`` whose ``run`` stops after one cycle, with the caller's arguments."""

    def run(self, **kwargs: Any) -> None:
        super().run(**{**kwargs, "cycles": 1})


def samples(key: str) -> dict[str, Any]:
    """What a ``...`` argument stands for, by the argument's name."""
    from tickettailor.watch import Backoff

    return {
        "api_key": key,
        "profile": None,
        "sinks": [ListSink()],
        "limit": 5,
        "backoff": Backoff(dead_after=3600),
    }


class FillEllipses(ast.NodeTransformer):
    def visit_keyword(self, node: ast.keyword) -> ast.keyword:
        value = node.value
        holes = isinstance(value, ast.Constant) and value.value is Ellipsis
        holes = holes or (isinstance(value, ast.List) and any(
            isinstance(e, ast.Constant) and e.value is Ellipsis for e in value.elts))  # fmt: skip
        if holes and node.arg:
            node.value = ast.Subscript(
                ast.Name("SAMPLES", ast.Load()), ast.Constant(node.arg), ast.Load()
            )
        return node


@pytest.mark.parametrize(("doc", "line", "span"), CALLS, ids=[f"{d}:{n}: {s}" for d, n, s in CALLS])
def test_documented_library_call_works(
    doc: str,
    line: int,
    span: str,
    environments: Environments,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    made = environments.get(doc)
    monkeypatch.setenv("TICKETTAILOR_CONFIG_DIR", made.env["TICKETTAILOR_CONFIG_DIR"])
    monkeypatch.setenv("TICKETTAILOR_DATA_DIR", str(tmp_path))
    tree = ast.fix_missing_locations(FillEllipses().visit(ast.parse(span, mode="eval")))
    with tickettailor.Client() as client:
        names = {
            "Client": tickettailor.Client,
            "AsyncClient": tickettailor.AsyncClient,
            "Watch": OneCycleWatch,
            "client": client,
            "SAMPLES": samples(made.sandbox.key),
        }
        result = eval(compile(tree, f"{doc}:{line}", "eval"), names)  # noqa: S307  (the docs' own code)
        if isinstance(result, tickettailor.Pager):
            assert all(record.id for record in result)  # walking the lazy list requests it
        if isinstance(result, tickettailor.Client):
            result.close()


def test_the_readme_has_library_calls_and_snippets() -> None:
    assert any(d == "README.md" for d, _, _ in CALLS)
    assert any(s.doc == "README.md" for s in SNIPPETS)


def test_every_name_the_calls_start_from_is_in_the_public_api() -> None:
    used = set()
    for _doc, _line, span in CALLS:
        used |= {n.id for n in ast.walk(ast.parse(span, mode="eval")) if isinstance(n, ast.Name)}
    classes = sorted(used & (CALL_ROOTS - {"client"}))
    assert "Watch" in classes
    assert [name for name in classes if name not in tickettailor.__all__] == []
