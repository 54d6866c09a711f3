"""KHR_texture_transform baked into texture coordinates.

The lean shader applies one texture matrix and reads at most two UV sets per primitive,
so the transform is applied to the texcoords themselves.  Within a primitive, textures that read
the same UV set with different transforms each get their own (new) UV set; a material
whose texCoord indices change for one primitive is copied for it, so primitives that share
the material are not disturbed.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["Transform", "bake_texture_transforms", "texture_infos"]

_EXT = "KHR_texture_transform"
_CORE = ("baseColorTexture", "metallicRoughnessTexture")
_MATERIAL = ("normalTexture", "occlusionTexture", "emissiveTexture")
Transform = tuple[float, float, float, float, float]  # offset u, v, rotation, scale u, v
_IDENTITY: Transform = (0.0, 0.0, 0.0, 1.0, 1.0)


def texture_infos(material: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every textureInfo of a material, base colour first (its UV set is the one kept in
    place), then the others, then those inside material extensions."""
    pbr = material.get("pbrMetallicRoughness")
    holders: list[tuple[Any, tuple[str, ...] | None]] = [(pbr, _CORE), (material, _MATERIAL)]
    extensions = material.get("extensions")
    if isinstance(extensions, dict):
        holders += [(ext, None) for ext in extensions.values()]
    for holder, keys in holders:
        if not isinstance(holder, dict):
            continue
        for key in keys or tuple(k for k in holder if k.endswith("Texture")):
            info = holder.get(key)
            if isinstance(info, dict) and "index" in info:
                yield info


def _number(value: Any, default: float) -> float:
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else default


def _pair(value: Any, default: float) -> tuple[float, float]:
    if isinstance(value, list) and len(value) == 2:
        return _number(value[0], default), _number(value[1], default)
    return default, default


def _read(info: dict[str, Any]) -> tuple[int, Transform]:
    """The UV set a texture reads and its transform (identity when it has none)."""
    texcoord = info.get("texCoord", 0)
    ext = (info.get("extensions") or {}).get(_EXT)
    if not isinstance(ext, dict):
        return (texcoord if isinstance(texcoord, int) else 0), _IDENTITY
    texcoord = ext.get("texCoord", texcoord)
    offset = _pair(ext.get("offset"), 0.0)
    scale = _pair(ext.get("scale"), 1.0)
    rotation = _number(ext.get("rotation"), 0.0)
    return (texcoord if isinstance(texcoord, int) else 0), (*offset, rotation, *scale)


def apply_transform(uv: npt.NDArray[np.float32], tf: Transform) -> npt.NDArray[np.float32]:
    """``uv`` (n x 2) through offset * rotation * scale, as the extension defines it."""
    ou, ov, rotation, su, sv = tf
    c, s = math.cos(rotation), math.sin(rotation)
    matrix = np.array([[c * su, s * sv], [-s * su, c * sv]], dtype=np.float64)
    out = uv.astype(np.float64) @ matrix.T + np.array([ou, ov])
    result: npt.NDArray[np.float32] = out.astype(np.float32)
    return result


def _strip(info: dict[str, Any]) -> None:
    extensions = info.get("extensions")
    if isinstance(extensions, dict):
        extensions.pop(_EXT, None)
        if not extensions:
            del info["extensions"]


def bake_texture_transforms(
    document: dict[str, Any],
    texcoords: Callable[[int], npt.NDArray[np.float32]],
    add_accessor: Callable[[npt.NDArray[np.float32]], int],
) -> int:
    """Bake every transform of ``document`` into UV sets; returns the number of UV sets
    made.  ``texcoords(i)`` gives float accessor ``i``; ``add_accessor`` stores a new one."""
    materials = document.get("materials")
    materials = materials if isinstance(materials, list) else []
    baked: dict[tuple[int, Transform], int] = {}
    copies: dict[tuple[int, tuple[int, ...]], int] = {}
    originals = len(materials)
    for mesh in document.get("meshes") or []:
        for prim in mesh.get("primitives") or [] if isinstance(mesh, dict) else []:
            index = prim.get("material") if isinstance(prim, dict) else None
            if not isinstance(index, int) or not 0 <= index < originals:
                continue
            infos = list(texture_infos(materials[index]))
            reads = [_read(info) for info in infos]
            if all(tf == _IDENTITY for _, tf in reads):
                continue
            attributes = prim["attributes"]
            sources = dict(attributes)  # before any set is replaced in place
            sets = sum(1 for key in attributes if key.startswith("TEXCOORD_"))
            kept = {uv for uv, tf in reads if tf == _IDENTITY}
            target: dict[tuple[int, Transform], int] = {(uv, _IDENTITY): uv for uv in kept}
            for uv, tf in reads:
                source = sources.get(f"TEXCOORD_{uv}")
                if (uv, tf) in target or not isinstance(source, int):
                    continue
                if uv not in kept:
                    kept.add(uv)
                    target[(uv, tf)] = uv
                else:
                    target[(uv, tf)] = sets
                    sets += 1
                key = (source, tf)
                if key not in baked:
                    baked[key] = add_accessor(apply_transform(texcoords(source), tf))
                attributes[f"TEXCOORD_{target[(uv, tf)]}"] = baked[key]
            layout = tuple(target.get(read, read[0]) for read in reads)
            if layout != tuple(uv for uv, _ in reads):
                variant = (index, layout)
                if variant not in copies:
                    clone = copy.deepcopy(materials[index])
                    for info, uv in zip(texture_infos(clone), layout, strict=True):
                        info["texCoord"] = uv
                        _strip(info)
                    materials.append(clone)
                    copies[variant] = len(materials) - 1
                prim["material"] = copies[variant]
    for material in materials[:originals]:
        if isinstance(material, dict):
            for info in texture_infos(material):
                uv, _tf = _read(info)
                if uv:
                    info["texCoord"] = uv
                _strip(info)
    return len(baked)
