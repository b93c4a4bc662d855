"""The example API bodies kept in ``tests/fixtures`` (see its README)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures import FIXTURES_DIR as FIXTURES
from tests.fixtures import load_fixture as load

__all__ = ["FIXTURES", "load"]


@pytest.fixture
def fixture_json() -> Any:
    return load
