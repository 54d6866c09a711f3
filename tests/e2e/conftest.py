"""Every test in ``tests/e2e/`` carries the ``e2e`` mark, so ``pytest -m "not e2e"`` leaves
the slow ones (Chromium, GStreamer, several processes) out without each file saying so."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent


@pytest.hookimpl(tryfirst=True)  # before pytest's own hook deselects by mark
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.e2e)
