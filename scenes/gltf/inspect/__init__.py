"""``museion inspect``'s library: what a glTF file holds (scenes, meshes, materials,
images, metadata), read from its JSON and image headers."""

from museion.scenes.gltf.inspect.summarize import inspect_gltf, summarize_source
from museion.scenes.gltf.inspect.summary import GltfSummary, Inspection, MeshSummary, NodeLine

__all__ = [
    "GltfSummary",
    "Inspection",
    "MeshSummary",
    "NodeLine",
    "inspect_gltf",
    "summarize_source",
]
