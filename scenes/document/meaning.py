r"""What a scene document means beyond its schema: ids unique, references resolving,
parents without cycles, cameras and spot lights whole, the watermark's values in words, a
spawn inside the walkable area.  Pure, as the loader; every function yields
:class:`SceneIssue`\ s and never raises."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from museion.scenes.errors import SceneIssue

__all__ = [
    "items_of",
    "light_issues",
    "pointer_of",
    "reference_issues",
    "spawn_issues",
    "watermark_issues",
]


def pointer_of(path: Any) -> str:
    """A JSON pointer (RFC 6901) to ``path``."""
    return "".join(f"/{str(p).replace('~', '~0').replace('/', '~1')}" for p in path)


def items_of(value: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    """The objects of a list that may be anything (the document may be broken)."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict):
                yield index, item


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


def reference_issues(data: dict[str, Any]) -> Iterator[SceneIssue]:
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


def watermark_issues(data: dict[str, Any]) -> Iterator[SceneIssue]:
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
                pointer_of(("watermark", "text", tag)),
                "INVALID_VALUE",
                "the watermark's text is empty: give one, or leave the field out to show the "
                "exhibition's title",
            )


def light_issues(data: dict[str, Any]) -> Iterator[SceneIssue]:
    """A spot light needs a place and a direction, and its cone must open outwards."""
    for i, light in items_of(data.get("lights")):
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


def spawn_issues(data: dict[str, Any]) -> Iterator[SceneIssue]:
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
