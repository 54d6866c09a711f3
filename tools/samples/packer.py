"""The samples' GLB packer: meshes, images, materials and nodes gathered into one buffer
with views and accessors, in a fixed order, so every build is byte-identical."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pygltflib as gl

__all__ = ["GENERATOR", "Packer"]

# What every sample file names as its generator (the committed files carry this name).


GENERATOR = "museion sample_assets"


_COMPONENT = {
    np.dtype(np.float32): gl.FLOAT,
    np.dtype(np.uint16): gl.UNSIGNED_SHORT,
    np.dtype(np.uint32): gl.UNSIGNED_INT,
}


_TYPE = {1: gl.SCALAR, 2: gl.VEC2, 3: gl.VEC3, 4: gl.VEC4}


class Packer:
    """Collects binary data into one buffer and describes it with views and accessors."""

    def __init__(self) -> None:
        self.doc = gl.GLTF2(asset=gl.Asset(version="2.0", generator=GENERATOR))
        self.blob = bytearray()

    def _view(self, data: bytes, target: int | None = None) -> int:
        self.blob.extend(b"\x00" * (-len(self.blob) % 4))
        self.doc.bufferViews.append(
            gl.BufferView(buffer=0, byteOffset=len(self.blob), byteLength=len(data), target=target)
        )
        self.blob.extend(data)
        return len(self.doc.bufferViews) - 1

    def accessor(self, array: npt.NDArray[np.generic], *, indices: bool = False) -> int:
        """Store ``array`` (N x k, or N for indices) and return its accessor index."""
        target = gl.ELEMENT_ARRAY_BUFFER if indices else gl.ARRAY_BUFFER
        view = self._view(array.tobytes(), target)
        width = 1 if array.ndim == 1 else array.shape[1]
        accessor = gl.Accessor(
            bufferView=view,
            componentType=_COMPONENT[array.dtype],
            count=len(array),
            type=_TYPE[width],
        )
        if not indices and width == 3:
            accessor.min = [float(x) for x in array.min(axis=0)]
            accessor.max = [float(x) for x in array.max(axis=0)]
        self.doc.accessors.append(accessor)
        return len(self.doc.accessors) - 1

    def texture(self, data: bytes, mime: str) -> int:
        """Store an encoded image and return a texture index using a mipmapped sampler."""
        if not self.doc.samplers:
            self.doc.samplers.append(
                gl.Sampler(
                    magFilter=gl.LINEAR,
                    minFilter=gl.LINEAR_MIPMAP_LINEAR,
                    wrapS=gl.REPEAT,
                    wrapT=gl.REPEAT,
                )
            )
        self.doc.images.append(gl.Image(bufferView=self._view(data), mimeType=mime))
        self.doc.textures.append(gl.Texture(sampler=0, source=len(self.doc.images) - 1))
        return len(self.doc.textures) - 1

    def mesh(self, name: str, attributes: dict[str, npt.NDArray[np.generic]], material: int) -> int:
        """A one-primitive mesh; indices are narrowed to 16 bits when they fit."""
        indices = attributes["indices"]
        count = len(attributes["POSITION"])
        narrow = indices.astype(np.uint16) if count < 65536 else indices.astype(np.uint32)
        refs = {k: self.accessor(v) for k, v in attributes.items() if k != "indices"}
        primitive = gl.Primitive(
            attributes=gl.Attributes(**refs),
            indices=self.accessor(narrow, indices=True),
            material=material,
        )
        self.doc.meshes.append(gl.Mesh(name=name, primitives=[primitive]))
        return len(self.doc.meshes) - 1

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
        pbr = gl.PbrMetallicRoughness(
            baseColorFactor=[*colour, 1.0], metallicFactor=metallic, roughnessFactor=roughness
        )
        material = gl.Material(name=name, pbrMetallicRoughness=pbr)
        if textures is not None:
            pbr.baseColorTexture = gl.TextureInfo(index=textures[0])
            if textures[1] is not None:
                material.normalTexture = gl.NormalMaterialTexture(index=textures[1])
            pbr.metallicRoughnessTexture = gl.TextureInfo(index=textures[2])
        if emissive is not None:
            material.emissiveFactor = list(emissive)
        self.doc.materials.append(material)
        return len(self.doc.materials) - 1

    def node(self, **fields: object) -> int:
        self.doc.nodes.append(gl.Node(**fields))
        return len(self.doc.nodes) - 1

    def glb(self, roots: list[int]) -> bytes:
        """The finished binary glTF."""
        self.doc.scenes = [gl.Scene(nodes=roots)]
        self.doc.scene = 0
        self.blob.extend(b"\x00" * (-len(self.blob) % 4))
        self.doc.buffers = [gl.Buffer(byteLength=len(self.blob))]
        self.doc.set_binary_blob(bytes(self.blob))
        return b"".join(self.doc.save_to_bytes())
