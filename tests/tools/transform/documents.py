"""Small documents the transform tests build: a sphere with a museum's metadata everywhere
it goes, an image, and what a user checks of a result (bounds, metadata, a file the gate
passes)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from museion.scenes.gltf.gate import validate_gltf
from museion.tools.transform.document import Array, GltfDocument, write_document

__all__ = ["XMP", "metadata", "png", "sphere", "sphere_document", "world_bounds", "write_checked"]


def sphere(rings: int = 40, segments: int = 60) -> tuple[Array, Array, Array, Array]:
    """A UV sphere: positions, normals, texcoords (a seam where u wraps), triangles."""
    theta = np.linspace(0, np.pi, rings + 1)
    phi = np.linspace(0, 2 * np.pi, segments + 1)
    t, p = np.meshgrid(theta, phi, indexing="ij")
    normals = np.stack([np.sin(t) * np.cos(p), np.cos(t), np.sin(t) * np.sin(p)], -1)
    uv = np.stack([p / (2 * np.pi), t / np.pi], -1)
    grid = np.arange((rings + 1) * (segments + 1)).reshape(rings + 1, segments + 1)
    a, b = grid[:-1, :-1].ravel(), grid[:-1, 1:].ravel()
    c, d = grid[1:, :-1].ravel(), grid[1:, 1:].ravel()
    faces = np.concatenate([np.stack([a, c, b], 1), np.stack([b, c, d], 1)])
    positions = normals * 2.0 + [10.0, 0.0, -3.0]
    return (
        positions.reshape(-1, 3).astype(np.float32),
        normals.reshape(-1, 3).astype(np.float32),
        uv.reshape(-1, 2).astype(np.float32),
        faces.astype(np.uint32),
    )


def png(width: int, height: int, seed: int = 1) -> bytes:
    rng = np.random.default_rng(seed)
    pixels = rng.random((height, width, 3)) * 40 + np.linspace(0, 200, width)[None, :, None]
    out = io.BytesIO()
    Image.fromarray(pixels.astype(np.uint8)).save(out, "PNG")
    return out.getvalue()


XMP = {
    "@context": {"dc": "http://purl.org/dc/elements/1.1/"},
    "dc:title": {"@type": "rdf:Alt", "rdf:_1": {"@language": "zh", "@value": "青铜壶"}},
    "dc:rights": "CC-BY-4.0, Museum of Example",
}


def sphere_document(*, split: bool = False, image: bytes | None = None) -> GltfDocument:
    """One sphere on one node, with metadata everywhere a museum puts it; ``split`` gives
    every triangle its own three vertices (what a naive exporter writes)."""
    positions, normals, uv, faces = sphere()
    doc = GltfDocument(
        json={
            "asset": {
                "version": "2.0",
                "copyright": "© 2024 Museum of Example",
                "extras": {"accession": "1987.12.3"},
            },
            "extensionsUsed": ["KHR_xmp_json_ld"],
            "extensions": {"KHR_xmp_json_ld": {"packets": [XMP]}},
            "scene": 0,
            "scenes": [{"nodes": [0], "name": "hall", "extras": {"room": 3}}],
            "nodes": [
                {
                    "mesh": 0,
                    "name": "vessel",
                    "translation": [0.0, 1.0, 0.0],
                    "extras": {"inventory": "A-17"},
                    "extensions": {"KHR_xmp_json_ld": {"packet": 0}},
                }
            ],
            "meshes": [
                {
                    "name": "vessel mesh",
                    "extras": {"scan": "photogrammetry"},
                    "extensions": {"KHR_xmp_json_ld": {"packet": 0}},
                    "primitives": [
                        {
                            "attributes": {"POSITION": 0, "NORMAL": 1, "TEXCOORD_0": 2},
                            "indices": 3,
                            "material": 0,
                        }
                    ],
                }
            ],
            "materials": [
                {
                    "name": "bronze",
                    "extras": {"alloy": "Cu-Sn"},
                    "extensions": {"KHR_xmp_json_ld": {"packet": 0}},
                    "pbrMetallicRoughness": {"metallicFactor": 1.0},
                }
            ],
            "accessors": [
                {"componentType": 5126, "count": 0, "type": "VEC3", "min": [], "max": []},
                {"componentType": 5126, "count": 0, "type": "VEC3"},
                {"componentType": 5126, "count": 0, "type": "VEC2", "name": "uv"},
                {"componentType": 5125, "count": 0, "type": "SCALAR"},
            ],
        },
        arrays=[positions, normals, uv, faces.reshape(-1, 1)],
    )
    if split:
        corners = faces.reshape(-1)
        doc.arrays = [positions[corners], normals[corners], uv[corners], None]
        doc.json["accessors"].pop()
        doc.arrays.pop()
        del doc.json["meshes"][0]["primitives"][0]["indices"]
    if image is not None:
        doc.json["images"] = [{"mimeType": "image/png", "name": "patina", "extras": {"k": 1}}]
        doc.json["textures"] = [{"source": 0, "sampler": 0}]
        doc.json["samplers"] = [{"magFilter": 9729}]
        doc.json["materials"][0]["pbrMetallicRoughness"]["baseColorTexture"] = {"index": 0}
        doc.images = [image]
    return doc


def metadata(document: dict[str, Any]) -> Any:
    """Every name, extras and XMP packet or reference of a glTF's JSON."""
    found = {
        "asset": {k: document["asset"].get(k) for k in ("copyright", "extras")},
        "packets": document.get("extensions", {}).get("KHR_xmp_json_ld"),
    }
    for kind in ("scenes", "nodes", "meshes", "materials", "images"):
        found[kind] = [
            {k: e.get(k) for k in ("name", "extras")}
            | {"xmp": e.get("extensions", {}).get("KHR_xmp_json_ld")}
            for e in document.get(kind, [])
        ]
    return found


def write_checked(doc: GltfDocument, tmp_path: Path, name: str = "out.glb") -> tuple[Path, int]:
    path = tmp_path / name
    size = write_document(doc, path)
    report = validate_gltf(tmp_path, name)
    assert report.valid, [str(i) for i in report.errors]
    return path, size


def world_positions(doc: GltfDocument) -> Array:
    """Every drawn vertex in world space: dequantized, through the node transforms."""
    out = []
    accessors = doc.list("accessors")

    def visit(index: int, parent: Array) -> None:
        node = doc.list("nodes")[index]
        if "matrix" in node:
            local = np.array(node["matrix"], dtype=np.float64).reshape(4, 4).T
        else:
            x, y, z, w = node.get("rotation", [0, 0, 0, 1])
            rotation = np.array(
                [
                    [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                    [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                    [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
                ]
            )
            local = np.eye(4)
            local[:3, :3] = rotation * np.array(node.get("scale", [1, 1, 1]))[None, :]
            local[:3, 3] = node.get("translation", [0, 0, 0])
        world = parent @ local
        if "mesh" in node:
            for primitive in doc.list("meshes")[node["mesh"]]["primitives"]:
                index_ = primitive["attributes"]["POSITION"]
                data = doc.array(index_).astype(np.float64)
                if accessors[index_].get("normalized"):
                    data /= np.iinfo(doc.array(index_).dtype).max
                out.append(data @ world[:3, :3].T + world[:3, 3])
        for child in node.get("children", []):
            visit(child, world)

    for root in doc.list("scenes")[doc.json.get("scene", 0)]["nodes"]:
        visit(root, np.eye(4))
    return np.concatenate(out)


def world_bounds(doc: GltfDocument) -> Array:
    world = world_positions(doc)
    return np.stack([world.min(0), world.max(0)])
