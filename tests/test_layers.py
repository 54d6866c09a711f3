"""The arrows between layers point one way: scenes <- runtime <- streaming <- tools."""

from __future__ import annotations

import ast

import pytest

from tests.conftest import REPO

FORBIDDEN = {
    "scenes": (
        "museion.runtime",
        "museion.streaming",
        "museion.tools",
        "panda3d",
        "aiortc",
        "aiohttp",
    ),
    "runtime": ("museion.streaming", "museion.tools", "aiortc", "aiohttp"),
    "streaming": ("museion.tools",),
    "tools": (),
}


def _imports(source: str) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_only_what_lies_below(layer: str) -> None:
    files = sorted((REPO / layer).rglob("*.py"))
    assert files
    for path in files:
        for name in _imports(path.read_text("utf-8")):
            for banned in FORBIDDEN[layer]:
                assert not (name == banned or name.startswith(banned + ".")), (
                    f"{path.relative_to(REPO)} imports {name}"
                )
