"""A sample's glTF document: meshes, materials, textures, nodes and lights gathered as JSON
data in a fixed order, their bytes laid out by the one packer (scenes.gltf.pack) and the
file written by the one GLB writer (scenes.gltf.glb), so every build is byte-identical."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from museion.scenes.gltf.glb import write_glb
from museion.scenes.gltf.pack import ARRAY_BUFFER, ELEMENT_ARRAY_BUFFER, BufferPacker

__all__ = ["GENERATOR", "SampleDocument"]

# What every sample file names as its generator (the committed files carry this name).
GENERATOR = "museion sample_assets"

# The one sampler every sample texture uses: linear, mipmapped, repeating.
_LINEAR, _LINEAR_MIPMAP_LINEAR, _REPEAT = 9729, 9987, 10497
_SAMPLER = {
    "magFilter": _LINEAR,
    "minFilter": _LINEAR_MIPMAP_LINEAR,
    "wrapS": _REPEAT,
    "wrapT": _REPEAT,
}
_LIGHTS = "KHR_lights_punctual"


class SampleDocument:
    """One sample file in the making; each method returns the index of what it added."""

    def __init__(self) -> None:
        self.packer = BufferPacker()
        self.meshes: list[dict[str, Any]] = []
        self.materials: list[dict[str, Any]] = []
        self.nodes: list[dict[str, Any]] = []
        self.textures: list[dict[str, Any]] = []
        self.extensions: dict[str, Any] = {}

    def texture(self, data: bytes, mime: str) -> int:
        """Store an encoded image and return a texture index using the mipmapped sampler."""
        image = self.packer.add_image(data, mime)
        self.textures.append({"sampler": 0, "source": image})
        return len(self.textures) - 1

    def mesh(self, name: str, attributes: dict[str, npt.NDArray[np.generic]], material: int) -> int:
        """A one-primitive mesh; indices are narrowed to 16 bits when they fit.

        POSITION, NORMAL and the other three-wide attributes carry their ``min``/``max``.
        """
        indices = attributes["indices"]
        count = len(attributes["POSITION"])
        narrow = indices.astype(np.uint16) if count < 65536 else indices.astype(np.uint32)
        refs = {
            key: self.packer.add_accessor(
                values, target=ARRAY_BUFFER, with_bounds=values.shape[1:] == (3,)
            )
            for key, values in attributes.items()
            if key != "indices"
        }
        primitive = {
            "attributes": refs,
            "indices": self.packer.add_accessor(narrow, target=ELEMENT_ARRAY_BUFFER),
            "material": material,
        }
        self.meshes.append({"name": name, "primitives": [primitive]})
        return len(self.meshes) - 1

    def material(
        self,
        name: str,
        colour: tuple[float, float, float],
        metallic: float,
        roughness: float,
        textures: tuple[int, int | None, int] | None = None,
        emissive: tuple[float, float, float] | None = None,
    ) -> int:
        """A metallic-roughness material, optionally with base, normal and MR textures.

        A material without a normal texture is for meshes without TANGENT (the lean shader
        then shades with the vertex normal alone).
        """
        pbr: dict[str, Any] = {
            "baseColorFactor": [*colour, 1.0],
            "metallicFactor": metallic,
            "roughnessFactor": roughness,
        }
        material: dict[str, Any] = {"name": name, "pbrMetallicRoughness": pbr}
        if textures is not None:
            base, normal, metallic_roughness = textures
            pbr["baseColorTexture"] = {"index": base}
            if normal is not None:
                material["normalTexture"] = {"index": normal}
            pbr["metallicRoughnessTexture"] = {"index": metallic_roughness}
        if emissive is not None:
            material["emissiveFactor"] = list(emissive)
        self.materials.append(material)
        return len(self.materials) - 1

    def node(self, **fields: Any) -> int:
        """A node of glTF ``fields`` (name, mesh, translation, rotation...)."""
        self.nodes.append(fields)
        return len(self.nodes) - 1

    def light(self, light: dict[str, Any], **fields: Any) -> int:
        """A KHR_lights_punctual ``light`` and the node of ``fields`` that places it."""
        lights: list[dict[str, Any]] = self.extensions.setdefault(_LIGHTS, {"lights": []})["lights"]
        lights.append(light)
        return self.node(**fields, extensions={_LIGHTS: {"light": len(lights) - 1}})

    def glb(self, roots: list[int]) -> bytes:
        """The finished binary glTF, with ``roots`` as its one scene."""
        document: dict[str, Any] = {"asset": {"version": "2.0", "generator": GENERATOR}}
        if self.extensions:
            document["extensionsUsed"] = sorted(self.extensions)
            document["extensions"] = self.extensions
        document.update(scene=0, scenes=[{"nodes": roots}], nodes=self.nodes)
        for key, items in (
            ("meshes", self.meshes),
            ("materials", self.materials),
            ("textures", self.textures),
            ("samplers", [_SAMPLER] if self.textures else []),
        ):
            if items:
                document[key] = items
        binary = self.packer.finish(document)
        return write_glb(document, binary)
