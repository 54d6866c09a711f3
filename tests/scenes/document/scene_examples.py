"""A valid scene document and broken variants of it, for the loader and CLI tests."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

VALID: dict[str, Any] = {
    "format": "museion.scene",
    "version": 2,
    "default_language": "zh",
    "title": {"zh": "青铜器展", "en": "Bronzes"},
    "venue": "venue.glb",
    "spawn": {"position": [0, 1.6, 3], "yaw": 0},
    "walkable": [[-3.5, -3.5], [3.5, -3.5], [3.5, 3.5], [-3.5, 3.5]],
    "lights": [
        {
            "type": "directional",
            "color": [1, 0.95, 0.9],
            "intensity": 3,
            "direction": [-0.4, -0.8, -0.4],
        }
    ],
    "exhibits": [
        {
            "id": "vessel",
            "asset": "relic.glb",
            "transform": {"translation": [0, 1, 0], "rotation": [20, 0, 0], "scale": 1},
            "pedestal": False,
            "access": "public",
            "metadata": {
                "title": {"zh": "青铜壶", "en": "Bronze vessel"},
                "creator": {"zh": "佚名", "en": "Unknown maker"},
                "date": {"zh": "东周", "en": "Eastern Zhou"},
                "medium": {"zh": "青铜", "en": "Bronze"},
                "dimensions": {"zh": "高 45 厘米", "en": "H. 45 cm"},
                "provenance": {"zh": "程序生成", "en": "Made by a script"},
                "rights": {"zh": "CC0", "en": "CC0"},
                "identifier": "MUS-0001",
            },
            "hotspots": [
                {
                    "id": "band",
                    "position": [0, 0.2, 0.18],
                    "title": {"zh": "纹饰", "en": "Band"},
                    "text": {"zh": "锯齿纹", "en": "A zig-zag band."},
                }
            ],
        },
        {
            "id": "lid",
            "asset": "relic.glb",
            "parent": "vessel",
            "pedestal": False,
            "transform": {"translation": [1.5, 1, 0]},
            "metadata": {"title": {"zh": "器盖", "en": "Lid"}},
        },
    ],
    "tours": [
        {
            "id": "highlights",
            "title": {"zh": "精选", "en": "Highlights"},
            "steps": [
                {"exhibit": "vessel", "narration": {"zh": "请看", "en": "Look"}, "dwell": 6},
                {
                    "camera": {"position": [2, 1.6, 2], "target": [0, 1.2, 0]},
                    "narration": {"zh": "全景", "en": "Overview"},
                },
            ],
        }
    ],
    "stage_screens": [
        {
            "id": "main",
            "name": {"zh": "主屏", "en": "Main screen"},
            "position": [0, 2, -3.9],
            "width": 3.2,
            "height": 1.8,
        }
    ],
}


def valid_bytes() -> bytes:
    return json.dumps(VALID, ensure_ascii=False).encode()


def _edit(change: Callable[[dict[str, Any]], None]) -> bytes:
    document = copy.deepcopy(VALID)
    change(document)
    return json.dumps(document, ensure_ascii=False).encode()


def _set(path: str, value: Any) -> bytes:
    def change(document: dict[str, Any]) -> None:
        *parents, last = [int(p) if p.isdigit() else p for p in path.strip("/").split("/")]
        node: Any = document
        for part in parents:
            node = node[part]
        node[last] = value

    return _edit(change)


def _drop(path: str) -> bytes:
    def change(document: dict[str, Any]) -> None:
        *parents, last = [int(p) if p.isdigit() else p for p in path.strip("/").split("/")]
        node: Any = document
        for part in parents:
            node = node[part]
        del node[last]

    return _edit(change)


# (name, bytes, expected code, expected pointer)
BROKEN: list[tuple[str, bytes, str, str]] = [
    ("empty", b"", "EMPTY_FILE", ""),
    ("whitespace", b"  \n ", "EMPTY_FILE", ""),
    ("latin-1", '{"title": "caf\xe9"}'.encode("latin-1"), "NOT_UTF8", ""),
    ("truncated", valid_bytes()[:-20], "JSON_MALFORMED", ""),
    ("trailing comma", b'{"version": 2,}', "JSON_MALFORMED", ""),
    ("deep nesting", b"[" * 50 + b"]" * 50, "TOO_DEEP", ""),
    ("very deep nesting", b"[" * 100_000, "TOO_DEEP", ""),
    ("NaN", b'{"version": NaN}', "NOT_FINITE", ""),
    ("duplicate key", b'{"version": 2, "version": 2}', "DUPLICATE_KEY", ""),
    ("array", b"[1, 2, 3]", "NOT_AN_OBJECT", ""),
    ("string", b'"scene"', "NOT_AN_OBJECT", ""),
    ("no version", _drop("/version"), "MISSING_FIELD", "/version"),
    ("version text", _set("/version", "2"), "TYPE_MISMATCH", "/version"),
    ("future version", _set("/version", 9), "UNSUPPORTED_VERSION", "/version"),
    ("wrong format", _set("/format", "gltf"), "INVALID_VALUE", "/format"),
    ("no venue", _drop("/venue"), "MISSING_FIELD", ""),
    ("venue number", _set("/venue", 7), "TYPE_MISMATCH", "/venue"),
    ("exhibits object", _set("/exhibits", {}), "TYPE_MISMATCH", "/exhibits"),
    ("no title", _drop("/exhibits/0/metadata/title"), "MISSING_FIELD", "/exhibits/0/metadata"),
    ("typo field", _set("/exhibits/0/metdata", {}), "UNKNOWN_FIELD", "/exhibits/0/metdata"),
    ("unknown top field", _set("/colour", "red"), "UNKNOWN_FIELD", "/colour"),
    ("bad access", _set("/exhibits/0/access", "secret"), "INVALID_VALUE", "/exhibits/0/access"),
    (
        "negative scale",
        _set("/exhibits/0/transform/scale", -1),
        "OUT_OF_RANGE",
        "/exhibits/0/transform/scale",
    ),
    (
        "short vector",
        _set("/exhibits/0/transform/translation", [1, 2]),
        "TOO_FEW_ITEMS",
        "/exhibits/0/transform/translation",
    ),
    ("bad id", _set("/exhibits/0/id", "has space"), "INVALID_ID", "/exhibits/0/id"),
    (
        "unknown language",
        _set("/exhibits/0/metadata/title/zz", "x"),
        "UNKNOWN_LANGUAGE",
        "/exhibits/0/metadata/title",
    ),
    ("malformed language", _set("/title/english!", "x"), "UNKNOWN_LANGUAGE", "/title"),
    (
        "bad default language",
        _set("/default_language", "xx-yy-zz-1"),
        "UNKNOWN_LANGUAGE",
        "/default_language",
    ),
    (
        "missing translation",
        _drop("/exhibits/1/metadata/title/zh"),
        "MISSING_TRANSLATION",
        "/exhibits/1/metadata/title",
    ),
    ("text not string", _set("/title/en", 5), "TYPE_MISMATCH", "/title/en"),
    ("duplicate exhibit", _set("/exhibits/1/id", "vessel"), "DUPLICATE_ID", "/exhibits/1/id"),
    (
        "dangling tour step",
        _set("/tours/0/steps/0/exhibit", "ghost"),
        "DANGLING_REFERENCE",
        "/tours/0/steps/0/exhibit",
    ),
    (
        "dangling parent",
        _set("/exhibits/1/parent", "ghost"),
        "DANGLING_REFERENCE",
        "/exhibits/1/parent",
    ),
    ("parent cycle", _set("/exhibits/0/parent", "lid"), "PARENT_CYCLE", "/exhibits/0/parent"),
    ("self parent", _set("/exhibits/1/parent", "lid"), "PARENT_CYCLE", "/exhibits/1/parent"),
    (
        "step without view",
        _drop("/tours/0/steps/0/exhibit"),
        "STEP_WITHOUT_VIEW",
        "/tours/0/steps/0",
    ),
    ("empty tour", _set("/tours/0/steps", []), "TOO_FEW_ITEMS", "/tours/0/steps"),
    (
        "huge array",
        _set("/exhibits/0/hotspots", [VALID["exhibits"][0]["hotspots"][0]] * 5000),
        "TOO_MANY_ITEMS",
        "/exhibits/0/hotspots",
    ),
    (
        "huge text",
        _set("/exhibits/0/metadata/title/en", "x" * 30_000),
        "TEXT_TOO_LONG",
        "/exhibits/0/metadata/title/en",
    ),
    (
        "spawn outside",
        _set("/spawn/position", [10, 1.6, 10]),
        "SPAWN_OUTSIDE_WALKABLE",
        "/spawn/position",
    ),
    ("walkable line", _set("/walkable", [[0, 0], [1, 1]]), "TOO_FEW_ITEMS", "/walkable"),
    (
        "asset escapes",
        _set("/exhibits/0/asset", "../setup.cfg"),
        "URI_OUTSIDE_ROOT",
        "/exhibits/0/asset",
    ),
    ("asset missing", _set("/exhibits/0/asset", "nothing.glb"), "NOT_FOUND", "/exhibits/0/asset"),
    (
        "audio missing",
        _set("/tours/0/steps/0/audio", "voice.ogg"),
        "NOT_FOUND",
        "/tours/0/steps/0/audio",
    ),
    # A NUL in a file name: the path policy glTF URIs go through refuses it (it once
    # escaped as "ValueError: embedded null byte").
    (
        "NUL in asset",
        _set("/exhibits/0/asset", "relic\x00.glb"),
        "PATH_INVALID",
        "/exhibits/0/asset",
    ),
    (
        "NUL in audio",
        _set("/tours/0/steps/0/audio", "voice\x00.ogg"),
        "PATH_INVALID",
        "/tours/0/steps/0/audio",
    ),
    (
        "NUL in one language's audio",
        _set("/tours/0/steps/0/audio", {"zh": "narration/zh\x00.ogg"}),
        "PATH_INVALID",
        "/tours/0/steps/0/audio/zh",
    ),
    (
        "NUL in image",
        _set("/exhibits/0/hotspots/0/image", "band\x00.png"),
        "PATH_INVALID",
        "/exhibits/0/hotspots/0/image",
    ),
    (
        "audio is a folder",
        _set("/tours/0/steps/0/audio", "narration"),
        "NOT_A_FILE",
        "/tours/0/steps/0/audio",
    ),
    (
        "bool as number",
        _set("/exhibits/0/transform/scale", True),
        "TYPE_MISMATCH",
        "/exhibits/0/transform/scale",
    ),
]
