"""The scene document as immutable Python objects, and back to canonical JSON data.

``from_data`` trusts its input (the loader validated it first); ``to_data`` writes every
field, defaults included, in one fixed order, so saving is canonical and a saved document
loads and saves to the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from museion.scenes.document.schema import CURRENT_VERSION, FORMAT

__all__ = [
    "Animation",
    "Exhibit",
    "Hotspot",
    "Light",
    "Metadata",
    "ModelCamera",
    "Pose",
    "SceneDocument",
    "Spawn",
    "StageScreen",
    "Text",
    "Tour",
    "TourPlay",
    "TourStep",
    "Transform",
    "Watermark",
    "from_data",
    "to_data",
]

Vec3 = tuple[float, float, float]
Text = dict[str, str]
"""Text per language (BCP 47 tag -> text); always holds the document's default language."""


@dataclass(frozen=True)
class Transform:
    translation: Vec3 = (0.0, 0.0, 0.0)
    rotation: Vec3 = (0.0, 0.0, 0.0)
    scale: float = 1.0


@dataclass(frozen=True)
class Metadata:
    """Dublin Core terms for an exhibit; every text is a language map."""

    title: Text
    creator: Text | None = None
    date: Text | None = None
    medium: Text | None = None
    dimensions: Text | None = None
    provenance: Text | None = None
    rights: Text | None = None
    description: Text | None = None
    identifier: str | None = None


@dataclass(frozen=True)
class Hotspot:
    """A point on an exhibit (exhibit coordinates) with a title and a text."""

    id: str
    position: Vec3
    title: Text
    text: Text | None = None
    image: str | None = None


@dataclass(frozen=True)
class Animation:
    """Which of its model's animations an exhibit plays (``name`` None: the first)."""

    name: str | None = None
    loop: bool = True
    speed: float = 1.0


@dataclass(frozen=True)
class Exhibit:
    id: str
    asset: str
    metadata: Metadata
    transform: Transform = field(default_factory=Transform)
    pedestal: bool = True
    access: Literal["public", "restricted"] = "public"
    parent: str | None = None
    anchor: str | None = None
    hotspots: tuple[Hotspot, ...] = ()
    animation: Animation | Literal[False] | None = None
    """None (absent): its model's first animation, looping; False: none plays."""
    contact_shadow: Literal[False] | None = None
    """False: no contact shadow under it (absent: one, when the runtime draws them)."""


@dataclass(frozen=True)
class Light:
    """A light of the room.  ``point`` and ``spot`` stand at ``position`` (intensity in
    candela); a ``spot`` shines along ``direction`` in glTF's smooth cone between
    ``inner_cone`` and ``outer_cone`` (half-angles in degrees, 0 and 45 when left out)."""

    type: Literal["directional", "point", "spot", "ambient"]
    color: Vec3 = (1.0, 1.0, 1.0)
    intensity: float = 1.0
    direction: Vec3 | None = None
    position: Vec3 | None = None
    inner_cone: float | None = None
    outer_cone: float | None = None


@dataclass(frozen=True)
class Pose:
    position: Vec3
    target: Vec3
    fov: float = 45.0


@dataclass(frozen=True)
class ModelCamera:
    """A camera an exhibit's glTF carries, as a tour step's viewpoint (issue 19): the camera
    node (or camera) called ``name``, else the glTF's camera ``index``; the view is that
    camera's pose through the exhibit's placement, with its vertical field of view."""

    exhibit: str
    name: str | None = None
    index: int | None = None


@dataclass(frozen=True)
class TourPlay:
    """An animation a tour step starts on ``exhibit`` (``animation`` None: its first)."""

    exhibit: str
    animation: str | None = None
    loop: bool = True
    speed: float = 1.0


@dataclass(frozen=True)
class TourStep:
    narration: Text
    exhibit: str | None = None
    camera: Pose | ModelCamera | None = None
    audio: str | Text | None = None
    dwell: float = 8.0
    play: TourPlay | None = None


@dataclass(frozen=True)
class Tour:
    id: str
    title: Text
    steps: tuple[TourStep, ...]


@dataclass(frozen=True)
class StageScreen:
    """A surface in the venue that shows a live stream (``stream``, default its id).

    ``width`` x ``height`` metres, centred on ``position``; unrotated it faces +Z.
    """

    id: str
    name: Text
    position: Vec3
    width: float
    height: float
    rotation: Vec3 = (0.0, 0.0, 0.0)
    stream: str | None = None

    @property
    def stream_name(self) -> str:
        """The live stream this screen shows."""
        return self.stream if self.stream is not None else self.id


@dataclass(frozen=True)
class Spawn:
    position: Vec3
    yaw: float = 0.0


@dataclass(frozen=True)
class Watermark:
    """A visible mark over restricted exhibits (``text`` None: the exhibition's title)."""

    visible: bool = False
    text: Text | None = None
    opacity: float = 0.25


@dataclass(frozen=True)
class SceneDocument:
    default_language: str
    title: Text
    venue: str
    exhibits: tuple[Exhibit, ...]
    spawn: Spawn | None = None
    walkable: tuple[tuple[float, float], ...] = ()
    lights: tuple[Light, ...] = ()
    tours: tuple[Tour, ...] = ()
    stage_screens: tuple[StageScreen, ...] = ()
    watermark: Watermark | None = None
    """None (absent): no visible mark."""
    pedestal_asset: str = "pedestal.glb"
    version: int = CURRENT_VERSION

    def exhibit(self, exhibit_id: str) -> Exhibit:
        """The exhibit with ``exhibit_id`` (KeyError if none)."""
        for exhibit in self.exhibits:
            if exhibit.id == exhibit_id:
                return exhibit
        raise KeyError(exhibit_id)


def _vec(value: Any) -> Vec3:
    return (float(value[0]), float(value[1]), float(value[2]))


def _opt_vec(value: Any) -> Vec3 | None:
    return None if value is None else _vec(value)


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _text(value: Any) -> Text | None:
    return None if value is None else {str(k): str(v) for k, v in value.items()}


def _metadata(data: dict[str, Any]) -> Metadata:
    texts = {
        k: _text(data.get(k))
        for k in ("creator", "date", "medium", "dimensions", "provenance", "rights", "description")
    }
    return Metadata(title=dict(data["title"]), identifier=data.get("identifier"), **texts)


def _exhibit(data: dict[str, Any]) -> Exhibit:
    t = data.get("transform", {})
    return Exhibit(
        id=data["id"],
        asset=data["asset"],
        metadata=_metadata(data["metadata"]),
        transform=Transform(
            translation=_vec(t.get("translation", (0, 0, 0))),
            rotation=_vec(t.get("rotation", (0, 0, 0))),
            scale=float(t.get("scale", 1.0)),
        ),
        pedestal=bool(data.get("pedestal", True)),
        access=data.get("access", "public"),
        parent=data.get("parent"),
        anchor=data.get("anchor"),
        hotspots=tuple(
            Hotspot(
                h["id"], _vec(h["position"]), dict(h["title"]), _text(h.get("text")), h.get("image")
            )
            for h in data.get("hotspots", [])
        ),
        animation=_animation(data.get("animation")),
        contact_shadow=False if data.get("contact_shadow") is False else None,
    )


def _animation(value: Any) -> Animation | Literal[False] | None:
    if value is None:
        return None
    if value is False:
        return False
    return Animation(value.get("name"), bool(value.get("loop", True)), float(value.get("speed", 1)))


def _play(value: Any) -> TourPlay | None:
    if value is None:
        return None
    return TourPlay(
        value["exhibit"],
        value.get("animation"),
        bool(value.get("loop", True)),
        float(value.get("speed", 1)),
    )


def _camera(camera: Any) -> Pose | ModelCamera | None:
    if camera is None:
        return None
    if "exhibit" in camera:
        index = camera.get("index")
        return ModelCamera(
            camera["exhibit"], camera.get("name"), None if index is None else int(index)
        )
    return Pose(_vec(camera["position"]), _vec(camera["target"]), float(camera.get("fov", 45.0)))


def _step(data: dict[str, Any]) -> TourStep:
    return TourStep(
        narration=dict(data["narration"]),
        exhibit=data.get("exhibit"),
        camera=_camera(data.get("camera")),
        audio=dict(data["audio"]) if isinstance(data.get("audio"), dict) else data.get("audio"),
        dwell=float(data.get("dwell", 8.0)),
        play=_play(data.get("play")),
    )


def from_data(data: dict[str, Any]) -> SceneDocument:
    """The document for validated, current-version JSON data."""
    spawn = data.get("spawn")
    return SceneDocument(
        default_language=data["default_language"],
        title=dict(data["title"]),
        venue=data["venue"],
        pedestal_asset=data.get("pedestal_asset", "pedestal.glb"),
        exhibits=tuple(_exhibit(e) for e in data["exhibits"]),
        spawn=None if spawn is None else Spawn(_vec(spawn["position"]), float(spawn.get("yaw", 0))),
        walkable=tuple((float(x), float(z)) for x, z in data.get("walkable", [])),
        lights=tuple(
            Light(
                item["type"],
                _vec(item.get("color", (1, 1, 1))),
                float(item.get("intensity", 1.0)),
                _opt_vec(item.get("direction")),
                _opt_vec(item.get("position")),
                _opt_float(item.get("inner_cone")),
                _opt_float(item.get("outer_cone")),
            )
            for item in data.get("lights", [])
        ),
        tours=tuple(
            Tour(t["id"], dict(t["title"]), tuple(_step(s) for s in t["steps"]))
            for t in data.get("tours", [])
        ),
        stage_screens=tuple(
            StageScreen(
                s["id"],
                dict(s["name"]),
                _vec(s["position"]),
                float(s["width"]),
                float(s["height"]),
                _vec(s.get("rotation", (0, 0, 0))),
                s.get("stream"),
            )
            for s in data.get("stage_screens", [])
        ),
        watermark=_watermark(data.get("watermark")),
    )


def _watermark(value: Any) -> Watermark | None:
    if value is None:
        return None
    return Watermark(
        bool(value.get("visible", False)),
        _text(value.get("text")),
        float(value.get("opacity", 0.25)),
    )


def _clean(value: Any) -> Any:
    """Dataclass-free JSON data: tuples become lists, ``None`` fields are left out."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, tuple | list):
        return [_clean(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {
            name: _clean(getattr(value, name))
            for name in value.__dataclass_fields__
            if getattr(value, name) is not None
        }
    return value


def to_data(document: SceneDocument) -> dict[str, Any]:
    """Canonical JSON data: format and version first, then every field in a fixed order."""
    body = _clean(document)
    body.pop("version")
    data: dict[str, Any] = {"format": FORMAT, "version": CURRENT_VERSION}
    data.update(body)
    if not data.get("walkable"):
        data.pop("walkable", None)
    return data
