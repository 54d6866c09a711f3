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
from museion.scenes.document.migrations import migrate
from museion.scenes.document.model import SceneDocument, from_data
from museion.scenes.document.schema import CURRENT_VERSION, SCENE_SCHEMA
from museion.scenes.errors import AssetRejected, SceneInvalid, SceneIssue
from museion.scenes.gltf.gate import check_gltf

__all__ = ["MAX_DEPTH", "MAX_DOCUMENT_BYTES", "load_scene", "media_file", "parse_scene_json"]

MAX_DOCUMENT_BYTES = 8 * 1024 * 1024
MAX_DEPTH = 24
_VALIDATOR = jsonschema.Draft202012Validator(SCENE_SCHEMA)


def _pointer(path: Any) -> str:
    return "".join(f"/{str(p).replace('~', '~0').replace('/', '~1')}" for p in path)


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
    base = _pointer(error.absolute_path)
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
        pointer = _pointer(error.absolute_path)
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
        pointer = _pointer(path)
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


def _ids(items: Any) -> dict[str, int]:
    found: dict[str, int] = {}
    if isinstance(items, list):
        for index, item in enumerate(items):
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                found.setdefault(item["id"], index)
    return found


def _duplicate_ids(items: Any, base: str) -> Iterator[SceneIssue]:
    seen: set[str] = set()
    if isinstance(items, list):
        for index, item in enumerate(items):
            ident = item.get("id") if isinstance(item, dict) else None
            if isinstance(ident, str):
                if ident in seen:
                    yield SceneIssue(
                        f"{base}/{index}/id", "DUPLICATE_ID", f"the id {ident!r} is used twice"
                    )
                seen.add(ident)


def _reference_issues(data: dict[str, Any]) -> Iterator[SceneIssue]:
    exhibits = data.get("exhibits", [])
    known = _ids(exhibits)
    for field in ("exhibits", "tours", "stage_screens"):
        yield from _duplicate_ids(data.get(field), f"/{field}")
    for index, exhibit in enumerate(exhibits if isinstance(exhibits, list) else []):
        if isinstance(exhibit, dict):
            yield from _duplicate_ids(exhibit.get("hotspots"), f"/exhibits/{index}/hotspots")
            parent = exhibit.get("parent")
            if isinstance(parent, str) and parent not in known:
                yield SceneIssue(
                    f"/exhibits/{index}/parent",
                    "DANGLING_REFERENCE",
                    f"no exhibit has the id {parent!r}",
                )
    yield from _parent_cycles(exhibits if isinstance(exhibits, list) else [])
    for t, tour in enumerate(data.get("tours", []) if isinstance(data.get("tours"), list) else []):
        steps = tour.get("steps") if isinstance(tour, dict) else None
        for s, step in enumerate(steps if isinstance(steps, list) else []):
            if not isinstance(step, dict):
                continue
            target = step.get("exhibit")
            pointer = f"/tours/{t}/steps/{s}"
            if isinstance(target, str) and target not in known:
                yield SceneIssue(
                    f"{pointer}/exhibit", "DANGLING_REFERENCE", f"no exhibit has the id {target!r}"
                )
            play = step.get("play")
            played = play.get("exhibit") if isinstance(play, dict) else None
            if isinstance(played, str) and played not in known:
                yield SceneIssue(
                    f"{pointer}/play/exhibit",
                    "DANGLING_REFERENCE",
                    f"no exhibit has the id {played!r}",
                )
            yield from _camera_issues(step.get("camera"), f"{pointer}/camera", known)
            if "exhibit" not in step and "camera" not in step:
                yield SceneIssue(
                    pointer,
                    "STEP_WITHOUT_VIEW",
                    "a tour step needs an exhibit to look at or a camera pose",
                )


def _camera_issues(camera: Any, pointer: str, known: Any) -> Iterator[SceneIssue]:
    """A step's camera is a pose or an exhibit's glTF camera, never half of each."""
    if not isinstance(camera, dict):
        return
    if "exhibit" in camera:
        stray = sorted(k for k in ("position", "target", "fov") if k in camera)
        if stray or ("name" in camera) == ("index" in camera):
            yield SceneIssue(
                pointer,
                "CAMERA_MALFORMED",
                "a model's camera is named by its exhibit and either its name or its index, "
                "with no position, target or fov",
            )
        target = camera["exhibit"]
        if isinstance(target, str) and target not in known:
            yield SceneIssue(
                f"{pointer}/exhibit", "DANGLING_REFERENCE", f"no exhibit has the id {target!r}"
            )
    elif (
        "position" not in camera or "target" not in camera or "name" in camera or "index" in camera
    ):
        yield SceneIssue(
            pointer,
            "CAMERA_MALFORMED",
            "a camera pose needs a position and a target (or name an exhibit's camera: "
            "its exhibit and its name or index)",
        )


def _parent_cycles(exhibits: list[Any]) -> Iterator[SceneIssue]:
    parents = {
        e["id"]: e.get("parent")
        for e in exhibits
        if isinstance(e, dict) and isinstance(e.get("id"), str)
    }
    index = _ids(exhibits)
    reported: set[str] = set()
    for start in parents:
        seen: list[str] = []
        node: Any = start
        while isinstance(node, str) and node in parents and node not in seen:
            seen.append(node)
            node = parents[node]
        if node in seen and node not in reported:
            loop = seen[seen.index(node) :]
            reported.update(loop)
            yield SceneIssue(
                f"/exhibits/{index[node]}/parent",
                "PARENT_CYCLE",
                "exhibits are placed on each other in a loop: " + " -> ".join([*loop, node]),
            )


def _watermark_issues(data: dict[str, Any]) -> Iterator[SceneIssue]:
    """Sentences for the visible watermark's values (the schema's own say only numbers)."""
    mark = data.get("watermark")
    if not isinstance(mark, dict):
        return
    opacity = mark.get("opacity")
    if isinstance(opacity, int | float) and not isinstance(opacity, bool) and not 0 < opacity <= 1:
        yield SceneIssue(
            "/watermark/opacity",
            "OUT_OF_RANGE",
            f"the watermark's opacity is {opacity}: it must be above 0 (invisible) and at "
            "most 1 (opaque)",
        )
    text = mark.get("text")
    for tag, value in text.items() if isinstance(text, dict) else ():
        if isinstance(value, str) and not value.strip():
            yield SceneIssue(
                _pointer(("watermark", "text", tag)),
                "INVALID_VALUE",
                "the watermark's text is empty: give one, or leave the field out to show the "
                "exhibition's title",
            )


def _light_issues(data: dict[str, Any]) -> Iterator[SceneIssue]:
    """A spot light needs a place and a direction, and its cone must open outwards."""
    for i, light in _items(data.get("lights")):
        if light.get("type") != "spot":
            for field in ("inner_cone", "outer_cone"):
                if field in light:
                    yield SceneIssue(
                        f"/lights/{i}/{field}",
                        "INVALID_VALUE",
                        f"only a spot light has a cone; this one is a {light.get('type')} light",
                    )
            continue
        for field in ("position", "direction"):
            if field not in light:
                yield SceneIssue(
                    f"/lights/{i}",
                    "MISSING_FIELD",
                    f"a spot light needs a {field}: where it stands and where it shines",
                )
        inner, outer = light.get("inner_cone", 0.0), light.get("outer_cone", 45.0)
        numbers = all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in (inner, outer)
        )
        if numbers and not inner < outer:
            yield SceneIssue(
                f"/lights/{i}/inner_cone",
                "OUT_OF_RANGE",
                f"the spot light's inner cone ({inner} degrees) must be narrower than its "
                f"outer cone ({outer} degrees)",
            )


def _inside(point: tuple[float, float], polygon: list[list[float]]) -> bool:
    x, z = point
    inside = False
    for (x1, z1), (x2, z2) in zip(polygon, polygon[1:] + polygon[:1], strict=True):
        if (z1 > z) != (z2 > z) and x < x1 + (z - z1) * (x2 - x1) / (z2 - z1):
            inside = not inside
    return inside


def _spawn_issues(data: dict[str, Any]) -> Iterator[SceneIssue]:
    spawn, walkable = data.get("spawn"), data.get("walkable")
    position = spawn.get("position") if isinstance(spawn, dict) else None
    if isinstance(position, list) and isinstance(walkable, list) and len(walkable) >= 3:
        x, _, z = position
        if not _inside((x, z), walkable):
            yield SceneIssue(
                "/spawn/position",
                "SPAWN_OUTSIDE_WALKABLE",
                "visitors would start outside the walkable area",
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
    for e, exhibit in _items(data.get("exhibits")):
        yield from gltf(f"/exhibits/{e}/asset", exhibit.get("asset"))
        for h, hotspot in _items(exhibit.get("hotspots")):
            yield from media(f"/exhibits/{e}/hotspots/{h}/image", hotspot.get("image"))
    for t, tour in _items(data.get("tours")):
        for s, step in _items(tour.get("steps")):
            audio = step.get("audio")
            if isinstance(audio, dict):
                for tag, name in audio.items():
                    pointer = _pointer(("tours", t, "steps", s, "audio", tag))
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


def _items(value: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    """The objects of a list that may be anything (the document may be broken)."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict):
                yield index, item


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
    worded = list(_watermark_issues(data))  # these say in words what a schema issue says
    said = {(i.pointer, i.code) for i in worded}
    found = [i for i in found if (i.pointer, i.code) not in said] + worded
    found += _language_issues(data)
    found += _reference_issues(data)
    found += _light_issues(data)
    if not found:  # the polygon test needs well-formed numbers
        found += _spawn_issues(data)
    if asset_root is not None:
        found += _file_issues(data, asset_root)
    if found:
        raise SceneInvalid(_unique(found))
    assert data.get("version") == CURRENT_VERSION
    return from_data(data)


def _unique(issues: list[SceneIssue]) -> list[SceneIssue]:
    return list(dict.fromkeys(issues))
