"""The reference fixtures, found beside the repository (``<repo>/../shared``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO.parent / "shared" / "reference" / "fixtures"


def load(name: str) -> Any:
    """A fixture's JSON value, freshly parsed each time (tests may keep or compare it)."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture
def fixture_json() -> Any:
    return load
