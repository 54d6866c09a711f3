"""The studio tests' accounts: one per staff role, hashed once for the package."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.streaming.studio.studio_hall import accounts


@pytest.fixture(scope="package")
def users_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return accounts(tmp_path_factory.mktemp("staff") / "users.json")
