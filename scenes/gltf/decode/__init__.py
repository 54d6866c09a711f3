"""The decoder: compressed and extended glTF (Draco, meshopt, KTX2, WebP, texture
transforms) back to one plain GLB, within :class:`DecodeLimits`; and the meshopt writer."""

from museion.scenes.gltf.decode.plain_glb import decode_to_glb, needs_decoding
from museion.scenes.gltf.decode.source import DecodeLimits, DecodeSource

__all__ = ["DecodeLimits", "DecodeSource", "decode_to_glb", "needs_decoding"]
