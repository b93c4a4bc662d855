"""The user's code of ``users_code.py`` runs against the sandbox (mypy checks its types)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.typing import users_code
from tickettailor.sandbox import RunningSandbox


def test_the_users_code_runs(
    sandbox: RunningSandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    users_code.main(sandbox.base_url, sandbox.key, tmp_path)
    out = capsys.readouterr().out
    assert "not found: 404" in out
    assert "async total:" in out
    assert len((tmp_path / "orders.jsonl").read_text().splitlines()) == 5
