"""The JSON Schema of scene documents (``museion scene schema`` publishes it).

The schema carries the structure (types, required and unknown fields, ranges, sizes);
:mod:`.loader` adds what a schema cannot say: language tags, references between
parts, cycles, and files under the asset root.
"""

from __future__ import annotations

from typing import Any

__all__ = ["CURRENT_VERSION", "FORMAT", "SCENE_SCHEMA"]

FORMAT = "museion.scene"
CURRENT_VERSION = 2
_MAX_TEXT = 20_000
_MAX_ITEMS = 1_000

_ID = {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"}
_PATH = {"type": "string", "minLength": 1, "maxLength": 512}
_NUMBER = {"type": "number", "minimum": -1.0e6, "maximum": 1.0e6}
_VEC3 = {"type": "array", "items": _NUMBER, "minItems": 3, "maxItems": 3}
_COLOR = {
    "type": "array",
    "items": {"type": "number", "minimum": 0, "maximum": 1},
    "minItems": 3,
    "maxItems": 3,
}
_TEXT = {
    "type": "object",
    "description": "Text per language: BCP 47 tag -> text; must include the default language.",
    "minProperties": 1,
    "maxProperties": 32,
    "propertyNames": {"maxLength": 35},
    "additionalProperties": {"type": "string", "maxLength": _MAX_TEXT},
}


def _object(required: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": required,
        "properties": properties,
        "additionalProperties": False,
    }


def _list(items: dict[str, Any], max_items: int = _MAX_ITEMS) -> dict[str, Any]:
    return {"type": "array", "items": items, "maxItems": max_items}


_TRANSFORM = _object(
    [],
    {
        "translation": _VEC3,
        "rotation": {**_VEC3, "description": "yaw, pitch, roll in degrees"},
        "scale": {"type": "number", "exclusiveMinimum": 0, "maximum": 1000},
    },
)
_METADATA = _object(
    ["title"],
    {
        "title": _TEXT,
        "creator": _TEXT,
        "date": _TEXT,
        "medium": _TEXT,
        "dimensions": _TEXT,
        "provenance": _TEXT,
        "rights": _TEXT,
        "description": _TEXT,
        "identifier": {"type": "string", "maxLength": 256},
    },
)
_HOTSPOT = _object(
    ["id", "position", "title"],
    {"id": _ID, "position": _VEC3, "title": _TEXT, "text": _TEXT, "image": _PATH},
)
_ANIMATION_NAME = {"type": "string", "minLength": 1, "maxLength": 256}
_SPEED = {"type": "number", "exclusiveMinimum": 0, "maximum": 10}
_ANIMATION = {
    "description": "The model's animation to play: false for none; absent, its first, "
    "looping.  ``name`` defaults to the first, ``loop`` to true, ``speed`` (times its own "
    "rate) to 1.",
    "anyOf": [
        {"const": False},
        _object([], {"name": _ANIMATION_NAME, "loop": {"type": "boolean"}, "speed": _SPEED}),
    ],
}
_PLAY = {
    **_object(
        ["exhibit"],
        {
            "exhibit": _ID,
            "animation": _ANIMATION_NAME,
            "loop": {"type": "boolean"},
            "speed": _SPEED,
        },
    ),
    "description": "An animation a tour step starts when it is reached (default the "
    "exhibit's first, looping, at its own rate).",
}
_EXHIBIT = _object(
    ["id", "asset", "metadata"],
    {
        "id": _ID,
        "asset": _PATH,
        "transform": _TRANSFORM,
        "pedestal": {
            "type": "boolean",
            "description": "Stand on the scene's pedestal; translation.y is then above its top.",
        },
        "access": {"enum": ["public", "restricted"]},
        "parent": _ID,
        "anchor": {
            **_ID,
            "description": "Stand on the venue node of this name (e.g. a built-in plinth); "
            "translation is then relative to it.",
        },
        "metadata": _METADATA,
        "hotspots": _list(_HOTSPOT, 64),
        "animation": _ANIMATION,
        "contact_shadow": {
            "type": "boolean",
            "description": "false: no soft contact shadow under it (default: one, where the "
            "server draws them; true is the default and is not saved).",
        },
    },
)
_LIGHT = _object(
    ["type"],
    {
        "type": {"enum": ["directional", "point", "spot", "ambient"]},
        "color": _COLOR,
        "intensity": {"type": "number", "minimum": 0, "maximum": 1.0e5},
        "direction": _VEC3,
        "position": _VEC3,
        "inner_cone": {
            "type": "number",
            "minimum": 0,
            "maximum": 90,
            "description": "A spot light's full-strength half-angle, in degrees (0).",
        },
        "outer_cone": {
            "type": "number",
            "exclusiveMinimum": 0,
            "maximum": 90,
            "description": "A spot light's cut-off half-angle, in degrees (45).",
        },
    },
)
_CAMERA = {
    **_object(
        [],
        {
            "position": _VEC3,
            "target": _VEC3,
            "fov": {"type": "number", "minimum": 10, "maximum": 120},
            "exhibit": _ID,
            "name": {"type": "string", "minLength": 1, "maxLength": 256},
            "index": {"type": "integer", "minimum": 0, "maximum": 65535},
        },
    ),
    "description": "Where the camera rests: a pose (position and target, vertical fov in "
    "degrees, default 45), or a camera of an exhibit's glTF (the exhibit, and the camera "
    "node's or camera's name or the camera's index in the glTF's cameras), seen through the "
    "exhibit's placement with that camera's vertical field of view.",
}
_STEP = _object(
    ["narration"],
    {
        "exhibit": _ID,
        "camera": _CAMERA,
        "narration": _TEXT,
        "audio": {
            "description": "Recorded narration: one file, or a file per language (BCP 47 tag "
            "-> path); a visitor hears only their own language's.",
            "anyOf": [
                _PATH,
                {
                    "type": "object",
                    "minProperties": 1,
                    "maxProperties": 32,
                    "propertyNames": {"maxLength": 35},
                    "additionalProperties": _PATH,
                },
            ],
        },
        "dwell": {"type": "number", "minimum": 0, "maximum": 3600},
        "play": _PLAY,
    },
)
_TOUR = _object(
    ["id", "title", "steps"],
    {"id": _ID, "title": _TEXT, "steps": {**_list(_STEP, 200), "minItems": 1}},
)
_SCREEN = _object(
    ["id", "name", "position", "width", "height"],
    {
        "id": _ID,
        "name": _TEXT,
        "position": _VEC3,
        "rotation": _VEC3,
        "stream": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
        "width": {"type": "number", "exclusiveMinimum": 0, "maximum": 100},
        "height": {"type": "number", "exclusiveMinimum": 0, "maximum": 100},
    },
)
_WATERMARK = {
    **_object(
        [],
        {
            "visible": {"type": "boolean"},
            "text": {
                **_TEXT,
                "additionalProperties": {"type": "string", "minLength": 1, "maxLength": 120},
            },
            "opacity": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
        },
    ),
    "description": "A visible mark over restricted exhibits on visitors' screens: "
    "``visible`` (default false) turns it on, ``text`` (default the exhibition's title) "
    "is drawn with a short code naming the visitor's session, at ``opacity`` (default 0.25).",
}

SCENE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://museion.dev/schemas/scene-2.json",
    "title": "Museion scene document",
    **_object(
        ["format", "version", "default_language", "title", "venue", "exhibits"],
        {
            "format": {"const": FORMAT},
            "version": {"const": CURRENT_VERSION},
            "default_language": {"type": "string", "maxLength": 35},
            "title": _TEXT,
            "venue": _PATH,
            "pedestal_asset": {
                **_PATH,
                "description": "Model of the pedestals (default pedestal.glb).",
            },
            "spawn": {
                **_object(["position"], {"position": _VEC3, "yaw": _NUMBER}),
                "description": "Where visitors enter: the eye position (metres) and the "
                "heading in degrees (0 faces -Z, positive turns left).",
            },
            "walkable": {
                "type": "array",
                "description": "Polygon on the floor (x, z) visitors may walk in.",
                "items": {"type": "array", "items": _NUMBER, "minItems": 2, "maxItems": 2},
                "minItems": 3,
                "maxItems": 256,
            },
            "lights": _list(_LIGHT, 32),
            "exhibits": _list(_EXHIBIT),
            "tours": _list(_TOUR, 64),
            "stage_screens": _list(_SCREEN, 16),
            "watermark": _WATERMARK,
        },
    ),
}
