"""glTF read as data, the security boundary: the gate (container, rules, graph, resources,
bytes, images, extensions), the decoder to a plain GLB, and the inspector."""

from museion.scenes.gltf.gate import CheckedGltf, GateLimits, check_gltf, validate_gltf
from museion.scenes.gltf.report import GltfInvalid, GltfIssue, GltfReport, Severity

__all__ = [
    "CheckedGltf",
    "GateLimits",
    "GltfInvalid",
    "GltfIssue",
    "GltfReport",
    "Severity",
    "check_gltf",
    "validate_gltf",
]
