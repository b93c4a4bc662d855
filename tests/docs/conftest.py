"""The per-document environments shared by the docs tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.docs.runner import Environments


@pytest.fixture(scope="session")
def environments(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Environments]:
    envs = Environments(tmp_path_factory.mktemp("docs"))
    yield envs
    envs.close()
