"""glTF animations of plain nodes (translation, rotation, scale of nodes that are not a
skin's joints), sampled with numpy and set on the matching Panda3D nodes.

panda3d-gltf binds only what it turns into a Character (skins and morph targets): a
CesiumMilkTruck's wheels, animated on their own nodes, stood still.  The channels are read
through the gate's accessor reader (decoded first when the file is compressed), and the
glTF node index is matched to its NodePath by walking the glTF's hierarchy the way
panda3d-gltf built it (its children in glTF order, named by the node's name or
``node<index>``): the k-th glTF child of a name is the k-th Panda3D child of that name.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from museion.scenes.gltf.accessors import read_accessor
from museion.scenes.gltf.gate import CheckedGltf, parse_gltf_bytes, read_gltf
from museion.scenes.gltf.uri import DataUri, resolve_uri

__all__ = ["NodeClip", "NodeTracks", "animation_names", "bind_tracks", "read_node_clips", "sample"]

logger = logging.getLogger(__name__)

Floats = npt.NDArray[np.float64]
PATHS = ("translation", "rotation", "scale")
_REST = {"translation": (0.0, 0.0, 0.0), "rotation": (0.0, 0.0, 0.0, 1.0), "scale": (1.0, 1.0, 1.0)}


@dataclass(frozen=True)
class Channel:
    """One node property over time: ``values`` is (keys, n), or (keys, 3, n) for
    CUBICSPLINE (in-tangent, value, out-tangent)."""

    node: int
    path: str
    interpolation: str
    times: Floats
    values: Floats


@dataclass(frozen=True)
class NodeClip:
    """One glTF animation's node channels, and its length in seconds."""

    name: str
    duration: float
    channels: tuple[Channel, ...]


def sample(channel: Channel, t: float) -> Floats:
    """``channel``'s value at ``t`` seconds (held before the first and after the last key);
    rotations come back as unit quaternions (x, y, z, w), slerped when LINEAR."""
    times, values = channel.times, channel.values
    cubic = channel.interpolation == "CUBICSPLINE"
    if t <= times[0] or len(times) == 1:
        out = values[0, 1] if cubic else values[0]
    elif t >= times[-1]:
        out = values[-1, 1] if cubic else values[-1]
    else:
        k = int(np.searchsorted(times, t, side="right")) - 1
        span = times[k + 1] - times[k]
        s = (t - times[k]) / span
        if channel.interpolation == "STEP":
            out = values[k]
        elif cubic:
            s2, s3 = s * s, s * s * s
            out = (
                (2 * s3 - 3 * s2 + 1) * values[k, 1]
                + (s3 - 2 * s2 + s) * span * values[k, 2]
                + (-2 * s3 + 3 * s2) * values[k + 1, 1]
                + (s3 - s2) * span * values[k + 1, 0]
            )
        elif channel.path == "rotation":
            out = _slerp(values[k], values[k + 1], s)
        else:
            out = values[k] * (1 - s) + values[k + 1] * s
    if channel.path == "rotation":
        norm = float(np.linalg.norm(out))
        out = out / norm if norm > 0 else np.array(_REST["rotation"])
    return np.asarray(out, dtype=np.float64)


def _slerp(a: Floats, b: Floats, s: float) -> Floats:
    dot = float(np.dot(a, b))
    if dot < 0:  # the short way round
        b, dot = -b, -dot
    if dot > 0.9995:
        return a * (1 - s) + b * s
    theta = math.acos(min(dot, 1.0))
    return (math.sin((1 - s) * theta) * a + math.sin(s * theta) * b) / math.sin(theta)


def _document_and_buffers(model: CheckedGltf) -> tuple[dict[str, Any], list[bytes | None]]:
    """The glTF's JSON and buffers, decoded to a plain GLB first when compressed (meshopt
    may compress animation data too); URIs go through the one resolver."""
    from museion.scenes.gltf.decode import decode_to_glb

    decoded = decode_to_glb(model.path)
    if decoded is not None:
        document, chunks = parse_gltf_bytes(decoded, model.name, glb=True)
        return document, [chunks.bin if chunks else None]
    source = read_gltf(model.path.parent, model.path.name)
    buffers: list[bytes | None] = []
    for index, entry in enumerate(source.document.get("buffers", [])):
        uri = entry.get("uri") if isinstance(entry, dict) else None
        if uri is None:
            buffers.append(source.glb_bin if index == 0 else None)
            continue
        found = resolve_uri(
            uri, source.path.parent, f"/buffers/{index}/uri", max_bytes=max(source.size, 1 << 30)
        )
        buffers.append(found.data if isinstance(found, DataUri) else found.read())
    return source.document, buffers


def _under_joints(document: dict[str, Any]) -> set[int]:
    """Skin joints and every node below one: panda3d-gltf animates those itself."""
    nodes = document.get("nodes", [])
    out: set[int] = set()
    stack = [j for skin in document.get("skins", []) for j in skin.get("joints", [])]
    while stack:
        index = stack.pop()
        if index not in out and 0 <= index < len(nodes):
            out.add(index)
            stack.extend(nodes[index].get("children", []))
    return out


def read_node_clips(model: CheckedGltf) -> tuple[dict[str, Any], dict[str, NodeClip]]:
    """``model``'s glTF document and its animations' node channels by animation name
    (named as panda3d-gltf names them: ``anim<index>`` when unnamed); empty when it has
    none.  The file passed the gate: its keyframes increase and its samples are finite."""
    probe = read_gltf(model.path.parent, model.path.name).document
    if not any(
        c.get("target", {}).get("path") in PATHS
        for a in probe.get("animations", [])
        for c in a.get("channels", [])
    ):
        return probe, {}
    document, buffers = _document_and_buffers(model)
    skip = _under_joints(document)
    clips: dict[str, NodeClip] = {}
    for a, animation in enumerate(document.get("animations", [])):
        samplers = animation.get("samplers", [])
        channels = []
        for channel in animation.get("channels", []):
            target = channel.get("target", {})
            node, path = target.get("node"), target.get("path")
            if path not in PATHS or node is None or node in skip:
                continue
            sampler = samplers[channel["sampler"]]
            interpolation = sampler.get("interpolation", "LINEAR")
            times = read_accessor(document, buffers, sampler["input"], name=model.name)
            values = read_accessor(
                document, buffers, sampler["output"], normalized_to_float=True, name=model.name
            ).astype(np.float64)
            times = np.asarray(times, dtype=np.float64).reshape(-1)
            width = len(_REST[path])
            shape = (
                (len(times), 3, width) if interpolation == "CUBICSPLINE" else (len(times), width)
            )
            if len(times) == 0 or values.size != math.prod(shape):
                logger.warning(
                    "%s: animation %d channel on node %d is malformed", model.name, a, node
                )
                continue
            channels.append(Channel(node, path, interpolation, times, values.reshape(shape)))
        if channels:
            name = animation.get("name", f"anim{a}")
            duration = max(float(c.times[-1]) for c in channels)
            clips[name] = NodeClip(name, duration, tuple(channels))
    return document, clips


def _node_paths(model_root: Any, document: dict[str, Any], wanted: set[int]) -> dict[int, Any]:
    """glTF node index -> NodePath under ``model_root`` (the loaded ModelRoot), for the
    ``wanted`` nodes, by panda3d-gltf's construction order (see the module docstring)."""
    from panda3d.core import Character, PandaNode

    nodes = document.get("nodes", [])
    joints = {j for skin in document.get("skins", []) for j in skin.get("joints", [])}
    claimed: set[Any] = set()
    found: dict[int, Any] = {}

    def walk(parent: Any, index: int) -> None:
        node = nodes[index]
        if index in joints:
            return  # joints and what hangs from them are the Character's
        name = node.get("name", f"node{index}")
        here = None
        for child in parent.get_children():
            kind = child.node().get_type()
            if (
                child.get_name() == name
                and kind in (PandaNode.get_class_type(), Character.get_class_type())
                and child.node() not in claimed
            ):
                here = child
                break
        if here is None:
            return
        claimed.add(here.node())
        if index in wanted:
            found[index] = here
        for child_index in node.get("children", []):
            walk(here, child_index)

    scenes = document.get("scenes", [])
    scene = scenes[document.get("scene", 0)] if scenes else {"nodes": []}
    for index in scene.get("nodes", []):
        walk(model_root, index)
    return found


class NodeTracks:
    """One loaded model's node clips bound to its NodePaths: :meth:`pose` sets them."""

    def __init__(self, model_root: Any, document: dict[str, Any], clips: dict[str, NodeClip]):
        from panda3d.core import CS_default, CS_yup_right, LMatrix4

        wanted = {c.node for clip in clips.values() for c in clip.channels}
        self.paths = _node_paths(model_root, document, wanted)
        missing = wanted - set(self.paths)
        if missing:
            logger.warning("animated nodes %s were not found in the loaded model", sorted(missing))
        self.clips = {
            name: NodeClip(
                name, clip.duration, tuple(c for c in clip.channels if c.node in self.paths)
            )
            for name, clip in clips.items()
        }
        nodes = document.get("nodes", [])
        self.rest = {
            i: {p: np.array(nodes[i].get(p, _REST[p]), dtype=np.float64) for p in PATHS}
            for i in self.paths
        }
        zup = "BP_zup" in document.get("extensionsUsed", [])
        self._to = LMatrix4.ident_mat() if zup else LMatrix4.convert_mat(CS_yup_right, CS_default)
        self._back = LMatrix4.ident_mat() if zup else LMatrix4.convert_mat(CS_default, CS_yup_right)

    def pose(self, name: str, t: float) -> None:
        """Set the nodes of clip ``name`` to their pose ``t`` seconds in."""
        trs: dict[int, dict[str, Floats]] = {}
        for channel in self.clips[name].channels:
            trs.setdefault(channel.node, dict(self.rest[channel.node]))[channel.path] = sample(
                channel, t
            )
        self._set(trs)

    def reset(self) -> None:
        """Every animated node back to the transform its glTF gives it (the rest pose)."""
        self._set({index: dict(values) for index, values in self.rest.items()})

    def _set(self, trs: dict[int, dict[str, Floats]]) -> None:
        from panda3d.core import LMatrix4, LQuaternion

        for index, values in trs.items():
            tx, ty, tz = values["translation"]
            x, y, z, w = values["rotation"]
            matrix = LMatrix4.scale_mat(*values["scale"])
            rotation = LMatrix4()
            LQuaternion(w, x, y, z).extract_to_matrix(rotation)
            matrix *= rotation
            matrix *= LMatrix4.translate_mat(tx, ty, tz)
            self.paths[index].set_mat(self._back * matrix * self._to)


def bind_tracks(
    holder: Any, document: dict[str, Any], clips: dict[str, NodeClip]
) -> NodeTracks | None:
    """``clips`` bound to the model loaded under ``holder`` (its ModelRoot, or ``holder``
    itself when it is one: the venue); None when there are none or no model."""
    from panda3d.core import ModelRoot

    if not clips:
        return None
    if holder.node().is_of_type(ModelRoot.get_class_type()):
        root = holder
    else:
        roots = [
            c for c in holder.get_children() if c.node().is_of_type(ModelRoot.get_class_type())
        ]
        if not roots:
            return None
        root = roots[0]
    tracks = NodeTracks(root, document, clips)
    return tracks if any(c.channels for c in tracks.clips.values()) else None


def animation_names(document: dict[str, Any]) -> tuple[str, ...]:
    """The glTF's animation names in its order, as panda3d-gltf names them."""
    return tuple(a.get("name", f"anim{i}") for i, a in enumerate(document.get("animations", [])))
