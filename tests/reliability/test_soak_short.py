"""A short soak: bench/soak.py with 5 random kill -9s of the real watch command under
live sales and API faults (5xx, 429, drops); every order reaches both sinks, the SQL
sink holds each once. The 50-kill run is the benchmark (``python bench/soak.py``)."""

from __future__ import annotations

import importlib.util
import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.slow

SOAK = Path(__file__).resolve().parents[2] / "bench" / "soak.py"


def _soak_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("soak", SOAK)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["soak"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_five_kills_under_live_sales_and_faults_lose_and_double_nothing() -> None:
    done = subprocess.run(
        [sys.executable, str(SOAK), "--kills", "5", "--json", "--seed", "11"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["kills"] == 5
    for sink in ("sqlite", "jsonl"):
        row = figures["sinks"][sink]
        assert row["orders"] > 100, "no live sales during the soak"  # 100 generated first
        assert (row["missing"], row["extra"]) == (0, 0), sink
    assert figures["sinks"]["sqlite"]["duplicates"] == 0
    assert figures["sinks"]["sqlite"]["stored"] == figures["sinks"]["sqlite"]["orders"]
    assert "missing" in done.stdout  # the table a user reads


def test_the_soak_counts_what_is_missing_doubled_or_extra(tmp_path: Path) -> None:
    soak = _soak_module()
    files = soak.Files(tmp_path / "s", tmp_path / "out.jsonl", tmp_path / "out.db")
    lines = ["or_1", "or_1", "or_3", "or_9"]
    files.jsonl.write_text("".join(json.dumps({"id": f"order.created:{o}"}) + "\n" for o in lines))
    with sqlite3.connect(files.sqlite) as db:
        db.execute("CREATE TABLE tickettailor_events (id TEXT)")  # no key: a broken sink
        db.executemany(
            "INSERT INTO tickettailor_events VALUES (?)",
            [("order.created:or_1",), ("order.created:or_2",), ("order.created:or_2",)],
        )
    figures = soak._figures({"or_1", "or_2", "or_3"}, files)
    assert figures["sqlite"] == {
        "orders": 3,
        "missing": 1,
        "duplicates": 1,
        "extra": 0,
        "stored": 3,
    }
    assert figures["jsonl"] == {"orders": 3, "missing": 1, "duplicates": 1, "extra": 1, "stored": 4}
    assert soak._report(figures, (0, 0), 1.0) is False
