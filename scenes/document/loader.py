"""Reading scene documents: every problem reported at once, with a pointer, a code and a
sentence; older versions migrated forward.  Pure: it reads only the bytes it is given and,
when asked, checks that referenced files exist under the asset root.

Codes: ``EMPTY_FILE``, ``TOO_LARGE``, ``NOT_UTF8``, ``JSON_MALFORMED``, ``TOO_DEEP``,
``NOT_FINITE``, ``DUPLICATE_KEY``, ``NOT_AN_OBJECT``, ``UNSUPPORTED_VERSION``,
``NOT_A_SCENE``, ``TYPE_MISMATCH``, ``MISSING_FIELD``, ``UNKNOWN_FIELD``,
``INVALID_VALUE``, ``OUT_OF_RANGE``, ``TOO_MANY_ITEMS``, ``TOO_FEW_ITEMS``,
``TEXT_TOO_LONG``, ``INVALID_ID``, ``UNKNOWN_LANGUAGE``, ``MISSING_TRANSLATION``,
``DUPLICATE_ID``, ``DANGLING_REFERENCE``, ``PARENT_CYCLE``, ``SPAWN_OUTSIDE_WALKABLE``,
``STEP_WITHOUT_VIEW`` and the asset gate's codes for files.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import langcodes

from museion.scenes.asset_path import find_file
from museion.scenes.document.meaning import (
    items_of,
    light_issues,
    pointer_of,
    reference_issues,
    spawn_issues,
    watermark_issues,
)
from museion.scenes.document.migrations import migrate
from museion.scenes.document.model import SceneDocument, from_data
from museion.scenes.document.schema import CURRENT_VERSION, SCENE_SCHEMA
from museion.scenes.errors import AssetRejected, SceneInvalid, SceneIssue
from museion.scenes.gltf.gate import check_gltf

__all__ = ["MAX_DEPTH", "MAX_DOCUMENT_BYTES", "load_scene", "media_file", "parse_scene_json"]

MAX_DOCUMENT_BYTES = 8 * 1024 * 1024
MAX_DEPTH = 24
_VALIDATOR = jsonschema.Draft202012Validator(SCENE_SCHEMA)


class _Reject(Exception):
    def __init__(self, issue: SceneIssue) -> None:
        super().__init__(issue.message)
        self.issue = issue


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _Reject(SceneIssue("", "DUPLICATE_KEY", f"the key {key!r} appears twice"))
        result[key] = value
    return result


def _no_constant(name: str) -> Any:
    raise _Reject(SceneIssue("", "NOT_FINITE", f"{name} is not a number JSON allows"))


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return deepest


def parse_scene_json(raw: bytes) -> Any:
    """The JSON value in ``raw``; raises :class:`SceneInvalid` with one issue if unreadable."""
    try:
        if not raw.strip():
            raise _Reject(SceneIssue("", "EMPTY_FILE", "the file is empty"))
        if len(raw) > MAX_DOCUMENT_BYTES:
            raise _Reject(
                SceneIssue("", "TOO_LARGE", f"documents are limited to {MAX_DOCUMENT_BYTES} bytes")
            )
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise _Reject(
                SceneIssue("", "NOT_UTF8", f"byte {exc.start} is not UTF-8 text")
            ) from exc
        try:
            value = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
        except json.JSONDecodeError as exc:
            raise _Reject(
                SceneIssue(
                    "",
                    "JSON_MALFORMED",
                    f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
                )
            ) from exc
        except RecursionError as exc:
            raise _Reject(
                SceneIssue("", "TOO_DEEP", f"nesting deeper than {MAX_DEPTH} levels")
            ) from exc
        if _depth(value) > MAX_DEPTH:
            raise _Reject(SceneIssue("", "TOO_DEEP", f"nesting deeper than {MAX_DEPTH} levels"))
        return value
    except _Reject as reject:
        raise SceneInvalid([reject.issue]) from None


# -- structure (JSON Schema) ----------------------------------------------------------------

_KEYWORD_CODES = {
    "type": "TYPE_MISMATCH",
    "required": "MISSING_FIELD",
    "additionalProperties": "UNKNOWN_FIELD",
    "enum": "INVALID_VALUE",
    "const": "INVALID_VALUE",
    "pattern": "INVALID_ID",
    "minimum": "OUT_OF_RANGE",
    "maximum": "OUT_OF_RANGE",
    "exclusiveMinimum": "OUT_OF_RANGE",
    "exclusiveMaximum": "OUT_OF_RANGE",
    "maxItems": "TOO_MANY_ITEMS",
    "maxProperties": "TOO_MANY_ITEMS",
    "minItems": "TOO_FEW_ITEMS",
    "minProperties": "TOO_FEW_ITEMS",
    "maxLength": "TEXT_TOO_LONG",
    "minLength": "INVALID_VALUE",
}


def _unknown_fields(error: jsonschema.ValidationError) -> Iterator[SceneIssue]:
    schema: Any = error.schema
    instance: Any = error.instance
    allowed = list(schema.get("properties", {}))
    extra = sorted(set(instance) - set(allowed))
    base = pointer_of(error.absolute_path)
    for name in extra:
        close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else f"; expected one of {allowed}"
        yield SceneIssue(f"{base}/{name}", "UNKNOWN_FIELD", f"{name!r} is not a known field{hint}")


def _schema_issues(data: Any) -> Iterator[SceneIssue]:
    for error in sorted(
        _VALIDATOR.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))
    ):
        if error.validator == "additionalProperties":
            yield from _unknown_fields(error)
            continue
        code = _KEYWORD_CODES.get(str(error.validator), "INVALID_VALUE")
        pointer = pointer_of(error.absolute_path)
        if error.validator == "required":
            missing = str(error.message).split("'")[1] if "'" in error.message else ""
            yield SceneIssue(pointer, code, f"the field {missing!r} is required")
        else:
            yield SceneIssue(pointer, code, _short(error.message))


def _short(message: str) -> str:
    return message if len(message) <= 200 else message[:197] + "..."


# -- meaning: languages, references, cycles, files -------------------------------------------


def _texts(
    data: Any, path: tuple[Any, ...] = ()
) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    """Every language map in ``data`` with its path (a map is an object of strings in a
    field the schema declares as text)."""
    text_fields = {
        "title",
        "creator",
        "date",
        "medium",
        "dimensions",
        "provenance",
        "rights",
        "description",
        "text",
        "narration",
        "name",
        "audio",
    }
    if isinstance(data, dict):
        for key, value in data.items():
            if key in text_fields and isinstance(value, dict):
                yield (*path, key), value
            else:
                yield from _texts(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _texts(value, (*path, index))


def _language_issues(data: dict[str, Any]) -> Iterator[SceneIssue]:
    default = data.get("default_language")
    if isinstance(default, str) and not langcodes.tag_is_valid(default):
        yield SceneIssue(
            "/default_language",
            "UNKNOWN_LANGUAGE",
            f"{default!r} is not a known BCP 47 language tag",
        )
        default = None
    for path, text in _texts(data):
        pointer = pointer_of(path)
        for tag in text:
            if not langcodes.tag_is_valid(tag):
                yield SceneIssue(
                    pointer, "UNKNOWN_LANGUAGE", f"{tag[:35]!r} is not a known BCP 47 language tag"
                )
        if path[-1] == "audio":  # recordings may exist for some languages only
            continue
        if isinstance(default, str) and default not in text:
            yield SceneIssue(
                pointer,
                "MISSING_TRANSLATION",
                f"there is no text in the default language {default!r}",
            )


def _file_issues(data: dict[str, Any], root: Path) -> Iterator[SceneIssue]:
    checked: dict[str, AssetRejected | None] = {}  # a hall names a few files many times

    def gltf(pointer: str, name: Any) -> Iterator[SceneIssue]:
        if isinstance(name, str):
            if name not in checked:
                try:
                    check_gltf(root, name)
                    checked[name] = None
                except AssetRejected as exc:
                    checked[name] = exc
            refused = checked[name]
            if refused is not None:
                yield SceneIssue(pointer, refused.code, refused.detail)

    def media(pointer: str, name: Any) -> Iterator[SceneIssue]:
        if isinstance(name, str):
            found = media_file(root, name, pointer)
            if isinstance(found, SceneIssue):
                yield found

    yield from gltf("/venue", data.get("venue"))
    exhibits = data.get("exhibits")
    if isinstance(exhibits, list) and any(
        isinstance(e, dict) and e.get("pedestal", True) for e in exhibits
    ):
        yield from gltf("/pedestal_asset", data.get("pedestal_asset", "pedestal.glb"))
    for e, exhibit in items_of(data.get("exhibits")):
        yield from gltf(f"/exhibits/{e}/asset", exhibit.get("asset"))
        for h, hotspot in items_of(exhibit.get("hotspots")):
            yield from media(f"/exhibits/{e}/hotspots/{h}/image", hotspot.get("image"))
    for t, tour in items_of(data.get("tours")):
        for s, step in items_of(tour.get("steps")):
            audio = step.get("audio")
            if isinstance(audio, dict):
                for tag, name in audio.items():
                    pointer = pointer_of(("tours", t, "steps", s, "audio", tag))
                    yield from media(pointer, name)
            else:
                yield from media(f"/tours/{t}/steps/{s}/audio", audio)


def media_file(root: Path, name: str, pointer: str) -> Path | SceneIssue:
    """The recording or image file ``name`` inside ``root``, or the issue with it: the same
    path policy as every glTF and glTF resource (:mod:`asset_path`)."""
    try:
        return find_file(root, name, pointer).path
    except AssetRejected as exc:
        return SceneIssue(pointer, exc.code, exc.detail)


def load_scene(raw: bytes, *, asset_root: Path | None = None) -> SceneDocument:
    """Parse, migrate and check a scene document; raises :class:`SceneInvalid` listing every
    problem.  With ``asset_root``, referenced files must exist under it."""
    data = parse_scene_json(raw)
    if not isinstance(data, dict):
        raise SceneInvalid([SceneIssue("", "NOT_AN_OBJECT", "a scene document is a JSON object")])
    data, issues = migrate(data)
    if issues:
        raise SceneInvalid(issues)
    found = list(_schema_issues(data))
    worded = list(watermark_issues(data))  # these say in words what a schema issue says
    said = {(i.pointer, i.code) for i in worded}
    found = [i for i in found if (i.pointer, i.code) not in said] + worded
    found += _language_issues(data)
    found += reference_issues(data)
    found += light_issues(data)
    if not found:  # the polygon test needs well-formed numbers
        found += spawn_issues(data)
    if asset_root is not None:
        found += _file_issues(data, asset_root)
    if found:
        raise SceneInvalid(_unique(found))
    assert data.get("version") == CURRENT_VERSION
    return from_data(data)


def _unique(issues: list[SceneIssue]) -> list[SceneIssue]:
    return list(dict.fromkeys(issues))
