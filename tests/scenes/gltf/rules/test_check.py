"""The JSON rule checks of the glTF gate: schema and JSON-only semantic rules, with the
Khronos glTF-Validator's codes and pointers."""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from museion.scenes.errors import AssetRejected
from museion.scenes.gltf.gate import read_gltf
from museion.scenes.gltf.report import GltfIssue, Reporter
from museion.scenes.gltf.rules import check_rules
from tests.conftest import CORPUS
from tests.gltf_fixtures import position_accessor

needs_corpus = pytest.mark.skipif(
    not CORPUS.is_dir(), reason="../shared/corpus is absent (public glTF corpus)"
)

Mutation = Callable[[dict[str, Any]], None]


def _document() -> dict[str, Any]:
    """A small valid glTF: a textured triangle, a camera and a translation animation."""
    return {
        "asset": {"version": "2.0", "generator": "museion tests"},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [
            {"mesh": 0, "children": [1], "translation": [0, 1, 0]},
            {"camera": 0, "rotation": [0, 0, 0, 1]},
        ],
        "meshes": [
            {
                "primitives": [
                    {
                        "attributes": {"POSITION": 0, "NORMAL": 1, "TEXCOORD_0": 2},
                        "indices": 3,
                        "material": 0,
                    }
                ]
            }
        ],
        "materials": [
            {
                "pbrMetallicRoughness": {
                    "baseColorFactor": [1, 0.5, 0.25, 1],
                    "baseColorTexture": {"index": 0},
                },
                "alphaMode": "OPAQUE",
            }
        ],
        "textures": [{"source": 0, "sampler": 0}],
        "images": [{"uri": "relic.png"}],
        "samplers": [{"magFilter": 9729, "wrapS": 10497}],
        "cameras": [
            {"type": "perspective", "perspective": {"yfov": 0.8, "znear": 0.1, "zfar": 100}}
        ],
        "accessors": [
            position_accessor(),
            {"bufferView": 0, "byteOffset": 36, "componentType": 5126, "count": 3, "type": "VEC3"},
            {"bufferView": 0, "byteOffset": 72, "componentType": 5126, "count": 3, "type": "VEC2"},
            {"bufferView": 1, "componentType": 5123, "count": 3, "type": "SCALAR"},
            {
                "bufferView": 2,
                "componentType": 5126,
                "count": 2,
                "type": "SCALAR",
                "min": [0],
                "max": [1],
            },
            {"bufferView": 2, "byteOffset": 8, "componentType": 5126, "count": 2, "type": "VEC3"},
        ],
        "bufferViews": [
            {"buffer": 0, "byteLength": 96, "target": 34962},
            {"buffer": 0, "byteOffset": 96, "byteLength": 6, "target": 34963},
            {"buffer": 0, "byteOffset": 104, "byteLength": 32},
        ],
        "buffers": [{"uri": "relic.bin", "byteLength": 136}],
        "animations": [
            {
                "channels": [{"sampler": 0, "target": {"node": 0, "path": "translation"}}],
                "samplers": [{"input": 4, "output": 5}],
            }
        ],
    }


def _rich_document() -> dict[str, Any]:
    """The sample with a skin, a morph target, a sparse accessor, an orthographic camera
    and the KHR extensions whose rules span objects, for the fuzzers to break."""
    document = _document()
    document["extensionsUsed"] = [
        "KHR_lights_punctual",
        "KHR_materials_variants",
        "KHR_texture_transform",
        "KHR_animation_pointer",
        "EXT_texture_webp",
        "KHR_materials_volume",
        "KHR_materials_transmission",
    ]
    document["extensions"] = {
        "KHR_lights_punctual": {"lights": [{"type": "spot", "spot": {"outerConeAngle": 0.5}}]},
        "KHR_materials_variants": {"variants": [{"name": "bronze"}]},
    }
    document["nodes"][1]["extensions"] = {"KHR_lights_punctual": {"light": 0}}
    document["nodes"] += [{"children": [3]}, {}]
    document["skins"] = [{"joints": [2, 3], "skeleton": 2, "inverseBindMatrices": 6}]
    document["accessors"] += [
        {"componentType": 5126, "count": 2, "type": "MAT4"},
        {
            "componentType": 5126,
            "count": 3,
            "type": "VEC3",
            "sparse": {
                "count": 1,
                "indices": {"bufferView": 2, "componentType": 5123},
                "values": {"bufferView": 2},
            },
        },
        {"bufferView": 2, "componentType": 5126, "count": 2, "type": "VEC4"},
    ]
    primitive = document["meshes"][0]["primitives"][0]
    primitive["targets"] = [{"POSITION": 7}]
    primitive["extensions"] = {
        "KHR_materials_variants": {"mappings": [{"variants": [0], "material": 0}]}
    }
    document["meshes"][0]["weights"] = [0]
    material = document["materials"][0]
    material["extensions"] = {
        "KHR_materials_volume": {"thicknessFactor": 1, "attenuationColor": [1, 1, 1]},
        "KHR_materials_transmission": {"transmissionFactor": 0.5},
    }
    material["pbrMetallicRoughness"]["baseColorTexture"]["extensions"] = {
        "KHR_texture_transform": {"offset": [0, 0.5], "texCoord": 0}
    }
    document["images"].append({"uri": "relic.webp"})
    document["textures"].append({"source": 0, "extensions": {"EXT_texture_webp": {"source": 1}}})
    document["cameras"].append(
        {"type": "orthographic", "orthographic": {"xmag": 1, "ymag": 1, "znear": 0, "zfar": 9}}
    )
    animation = document["animations"][0]
    animation["samplers"].append({"input": 4, "output": 8})
    animation["channels"].append(
        {
            "sampler": 1,
            "target": {
                "path": "pointer",
                "extensions": {
                    "KHR_animation_pointer": {
                        "pointer": "/materials/0/pbrMetallicRoughness/baseColorFactor"
                    }
                },
            },
        }
    )
    return document


def _issues(document: Any) -> list[GltfIssue]:
    report = Reporter("test.gltf")
    check_rules(document, report)
    return list(report.issues)


def _parent(document: dict[str, Any], pointer: str) -> tuple[Any, str | int]:
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]
    node: Any = document
    for token in tokens[:-1]:
        node = node[int(token)] if isinstance(node, list) else node[token]
    last = tokens[-1]
    return node, int(last) if isinstance(node, list) else last


def _set(pointer: str, value: Any) -> Mutation:
    def mutate(document: dict[str, Any]) -> None:
        parent, key = _parent(document, pointer)
        if isinstance(parent, list) and key == len(parent):
            parent.append(copy.deepcopy(value))
        else:
            parent[key] = copy.deepcopy(value)

    return mutate


def _drop(pointer: str) -> Mutation:
    def mutate(document: dict[str, Any]) -> None:
        parent, key = _parent(document, pointer)
        del parent[key]

    return mutate


def _all(*mutations: Mutation) -> Mutation:
    def mutate(document: dict[str, Any]) -> None:
        for mutation in mutations:
            mutation(document)

    return mutate


def test_the_sample_documents_break_no_rule() -> None:
    assert _issues(_document()) == []
    assert _issues(_rich_document()) == []


def test_a_document_that_is_not_an_object_is_a_type_mismatch() -> None:
    for value in ([], "glTF", 2, None):
        issues = _issues(value)
        assert [(i.code, i.pointer) for i in issues] == [("TYPE_MISMATCH", "")]


CASES: list[tuple[str, Mutation, str, str, str]] = [
    # --- schema: types, required, unknown ---
    ("no asset", _drop("/asset"), "error", "UNDEFINED_PROPERTY", ""),
    ("no version", _drop("/asset/version"), "error", "UNDEFINED_PROPERTY", "/asset"),
    ("buffer not object", _set("/buffers/0", ["byteLength", 10]), "error", "TYPE_MISMATCH",
     "/buffers/0"),
    ("primitives object", _set("/meshes/0/primitives", {}), "error", "TYPE_MISMATCH",
     "/meshes/0/primitives"),
    ("count text", _set("/accessors/0/count", "3"), "error", "TYPE_MISMATCH",
     "/accessors/0/count"),
    ("doubleSided number", _set("/materials/0/doubleSided", 1), "error", "TYPE_MISMATCH",
     "/materials/0/doubleSided"),
    ("extension not object", _set("/extensions", {"KHR_x": 42}), "error", "TYPE_MISMATCH",
     "/extensions/KHR_x"),
    ("custom property", _set("/nodes/0/customProperty", 1), "warning", "UNEXPECTED_PROPERTY",
     "/nodes/0/customProperty"),
    ("no accessor count", _drop("/accessors/1/count"), "error", "UNDEFINED_PROPERTY",
     "/accessors/1"),
    ("extras text", _set("/extras", "x"), "info", "NON_OBJECT_EXTRAS", "/extras"),
    # --- schema: values ---
    ("count zero", _set("/accessors/0/count", 0), "error", "VALUE_NOT_IN_RANGE",
     "/accessors/0/count"),
    ("colour over one", _set("/materials/0/pbrMetallicRoughness/baseColorFactor/2", 1.5),
     "error", "VALUE_NOT_IN_RANGE", "/materials/0/pbrMetallicRoughness/baseColorFactor/2"),
    ("infinite translation", _set("/nodes/0/translation/0", math.inf), "error",
     "VALUE_NOT_IN_RANGE", "/nodes/0/translation/0"),
    ("unknown component type", _set("/accessors/3/componentType", 7), "error",
     "VALUE_NOT_IN_LIST", "/accessors/3/componentType"),
    ("unknown interpolation", _set("/animations/0/samplers/0/interpolation", "SMOOTH"),
     "warning", "VALUE_NOT_IN_LIST", "/animations/0/samplers/0/interpolation"),
    ("stride not multiple of 4", _set("/bufferViews/0/byteStride", 6), "error",
     "VALUE_MULTIPLE_OF", "/bufferViews/0/byteStride"),
    ("version pattern", _set("/asset/version", "2.0.1"), "error", "PATTERN_MISMATCH",
     "/asset/version"),
    ("translation length", _set("/nodes/0/translation", [0, 1]), "error",
     "ARRAY_LENGTH_NOT_IN_LIST", "/nodes/0/translation"),
    ("max length", _set("/accessors/0/max", [1, 1]), "error", "ARRAY_LENGTH_NOT_IN_LIST",
     "/accessors/0/max"),
    ("weights text", _set("/meshes/0/weights", ["a"]), "error", "ARRAY_TYPE_MISMATCH",
     "/meshes/0/weights/0"),
    ("target not object", _set("/meshes/0/primitives/0/targets", [[]]), "error",
     "ARRAY_TYPE_MISMATCH", "/meshes/0/primitives/0/targets"),
    ("empty nodes", _set("/nodes", []), "error", "EMPTY_ENTITY", "/nodes"),
    ("empty attributes", _set("/meshes/0/primitives/0/attributes", {}), "error",
     "EMPTY_ENTITY", "/meshes/0/primitives/0/attributes"),
    ("duplicate scene node", _set("/scenes/0/nodes", [0, 0]), "error", "DUPLICATE_ELEMENTS",
     "/scenes/0/nodes/1"),
    ("image uri and view", _set("/images/0/bufferView", 0), "error", "ONE_OF_MISMATCH",
     "/images/0"),
    ("image view without type", _all(_drop("/images/0/uri"), _set("/images/0/bufferView", 2)),
     "error", "UNSATISFIED_DEPENDENCY", "/images/0/bufferView"),
    ("weights without mesh", _set("/nodes/1/weights", [0.5]), "error",
     "UNSATISFIED_DEPENDENCY", "/nodes/1/weights"),
    ("offset without view", _drop("/accessors/1/bufferView"), "error",
     "UNSATISFIED_DEPENDENCY", "/accessors/1/byteOffset"),
    # --- references ---
    ("negative mesh", _set("/nodes/0/mesh", -1), "error", "INVALID_INDEX", "/nodes/0/mesh"),
    ("missing material", _set("/meshes/0/primitives/0/material", 9), "error",
     "UNRESOLVED_REFERENCE", "/meshes/0/primitives/0/material"),
    ("missing texture", _set("/materials/0/pbrMetallicRoughness/baseColorTexture/index", 4),
     "error", "UNRESOLVED_REFERENCE", "/materials/0/pbrMetallicRoughness/baseColorTexture/index"),
    ("missing default scene", _set("/scene", 3), "error", "UNRESOLVED_REFERENCE", "/scene"),
    ("missing sparse view", _set("/accessors/0/sparse", {
        "count": 1, "indices": {"bufferView": 7, "componentType": 5123},
        "values": {"bufferView": 2}}), "error", "UNRESOLVED_REFERENCE",
     "/accessors/0/sparse/indices/bufferView"),
    ("missing channel sampler", _set("/animations/0/channels/0/sampler", 2), "error",
     "UNRESOLVED_REFERENCE", "/animations/0/channels/0/sampler"),
    # --- extensions declared, required and placed ---
    ("required not used", _all(_set("/extensionsUsed", ["KHR_a"]),
                               _set("/extensionsRequired", ["KHR_b"])),
     "error", "UNUSED_EXTENSION_REQUIRED", "/extensionsRequired/0"),
    ("required without used", _set("/extensionsRequired", ["KHR_b"]), "error",
     "UNSATISFIED_DEPENDENCY", "/extensionsRequired"),
    ("duplicate used", _set("/extensionsUsed", ["KHR_a", "KHR_a"]), "error",
     "DUPLICATE_ELEMENTS", "/extensionsUsed/1"),
    ("optional quantization", _set("/extensionsUsed", ["KHR_mesh_quantization"]), "error",
     "NON_REQUIRED_EXTENSION", "/extensionsUsed/0"),
    ("undeclared", _set("/materials/0/extensions", {"KHR_materials_unlit": {}}), "error",
     "UNDECLARED_EXTENSION", "/materials/0/extensions/KHR_materials_unlit"),
    ("unlit on a sampler", _all(_set("/extensionsUsed", ["KHR_materials_unlit"]),
                                _set("/samplers/0/extensions", {"KHR_materials_unlit": {}})),
     "error", "UNEXPECTED_EXTENSION_OBJECT", "/samplers/0/extensions/KHR_materials_unlit"),
    ("transform on a texture", _all(
        _set("/extensionsUsed", ["KHR_texture_transform"]),
        _set("/textures/0/extensions", {"KHR_texture_transform": {"rotation": 1}})),
     "error", "UNEXPECTED_EXTENSION_OBJECT", "/textures/0/extensions/KHR_texture_transform"),
    ("transform scale text", _all(
        _set("/extensionsUsed", ["KHR_texture_transform"]),
        _set("/materials/0/pbrMetallicRoughness/baseColorTexture/extensions",
             {"KHR_texture_transform": {"scale": [1, "2"]}})),
     "error", "ARRAY_TYPE_MISMATCH",
     "/materials/0/pbrMetallicRoughness/baseColorTexture/extensions/KHR_texture_transform/scale/1"),
    # --- KHR extensions' own rules ---
    ("light without root", _all(_set("/extensionsUsed", ["KHR_lights_punctual"]),
                                _set("/nodes/1/extensions", {"KHR_lights_punctual": {"light": 0}})),
     "error", "UNSATISFIED_DEPENDENCY", "/nodes/1/extensions/KHR_lights_punctual"),
    ("missing light", _all(
        _set("/extensionsUsed", ["KHR_lights_punctual"]),
        _set("/extensions", {"KHR_lights_punctual": {"lights": [{"type": "point"}]}}),
        _set("/nodes/1/extensions", {"KHR_lights_punctual": {"light": 1}})),
     "error", "UNRESOLVED_REFERENCE", "/nodes/1/extensions/KHR_lights_punctual/light"),
    ("spot without spot", _all(
        _set("/extensionsUsed", ["KHR_lights_punctual"]),
        _set("/extensions", {"KHR_lights_punctual": {"lights": [{"type": "spot"}]}})),
     "error", "UNDEFINED_PROPERTY", "/extensions/KHR_lights_punctual/lights/0"),
    ("spot cone inverted", _all(
        _set("/extensionsUsed", ["KHR_lights_punctual"]),
        _set("/extensions", {"KHR_lights_punctual": {"lights": [
            {"type": "spot", "spot": {"innerConeAngle": 0.5, "outerConeAngle": 0.25}}]}})),
     "error", "KHR_LIGHTS_PUNCTUAL_LIGHT_SPOT_ANGLES",
     "/extensions/KHR_lights_punctual/lights/0/spot"),
    ("ior below one", _all(_set("/extensionsUsed", ["KHR_materials_ior"]),
                           _set("/materials/0/extensions", {"KHR_materials_ior": {"ior": 0.5}})),
     "error", "VALUE_NOT_IN_RANGE", "/materials/0/extensions/KHR_materials_ior/ior"),
    ("variants without root", _all(
        _set("/extensionsUsed", ["KHR_materials_variants"]),
        _set("/meshes/0/primitives/0/extensions", {"KHR_materials_variants": {
            "mappings": [{"variants": [0], "material": 0}]}})),
     "error", "UNSATISFIED_DEPENDENCY",
     "/meshes/0/primitives/0/extensions/KHR_materials_variants/mappings/0"),
    ("pointer syntax", _all(
        _set("/extensionsUsed", ["KHR_animation_pointer"]),
        _set("/animations/0/channels/0/target", {"path": "pointer", "extensions": {
            "KHR_animation_pointer": {"pointer": "nodes/0/translation"}}})),
     "error", "PATTERN_MISMATCH",
     "/animations/0/channels/0/target/extensions/KHR_animation_pointer/pointer"),
    ("pointer with node", _all(
        _set("/extensionsUsed", ["KHR_animation_pointer"]),
        _set("/animations/0/channels/0/target/extensions", {
            "KHR_animation_pointer": {"pointer": "/nodes/0/translation"}})),
     "error", "KHR_ANIMATION_POINTER_ANIMATION_CHANNEL_TARGET_NODE",
     "/animations/0/channels/0/target/extensions/KHR_animation_pointer"),
    # --- nodes ---
    ("matrix and TRS", _set("/nodes/0/matrix", [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]),
     "error", "NODE_MATRIX_TRS", "/nodes/0/matrix"),
    ("skewed matrix", _set("/nodes/1/matrix", [1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]),
     "error", "NODE_MATRIX_NON_TRS", "/nodes/1/matrix"),
    ("long quaternion", _set("/nodes/1/rotation", [0, 0, 0.5, 1]), "error",
     "ROTATION_NON_UNIT", "/nodes/1/rotation"),
    ("skin on plain mesh", _all(_set("/skins", [{"joints": [1]}]), _set("/nodes/0/skin", 0)),
     "error", "NODE_SKIN_WITH_NON_SKINNED_MESH", "/nodes/0"),
    ("node weights count", _set("/nodes/0/weights", [0.5]), "error", "NODE_WEIGHTS_INVALID",
     "/nodes/0/weights"),
    # --- skins ---
    ("joints in two trees", _all(_set("/nodes/2", {}), _set("/skins", [{"joints": [1, 2]}])),
     "error", "SKIN_NO_COMMON_ROOT", "/skins/0/joints"),
    ("skeleton elsewhere", _all(_set("/nodes/2", {}),
                                _set("/skins", [{"joints": [0, 1], "skeleton": 2}])),
     "error", "SKIN_SKELETON_INVALID", "/skins/0/skeleton"),
    ("missing joint", _set("/skins", [{"joints": [5]}]), "error", "UNRESOLVED_REFERENCE",
     "/skins/0/joints/0"),
    ("too few matrices", _all(
        _set("/accessors/6", {"componentType": 5126, "count": 1, "type": "MAT4"}),
        _set("/skins", [{"joints": [0, 1], "inverseBindMatrices": 6}])),
     "error", "INVALID_IBM_ACCESSOR_COUNT", "/skins/0/inverseBindMatrices"),
    # --- meshes ---
    ("position as VEC2", _set("/accessors/0/type", "VEC2"), "error",
     "MESH_PRIMITIVE_ATTRIBUTES_ACCESSOR_INVALID_FORMAT",
     "/meshes/0/primitives/0/attributes/POSITION"),
    ("custom uint attribute", _all(
        _set("/accessors/6", {"componentType": 5125, "count": 3, "type": "SCALAR"}),
        _set("/meshes/0/primitives/0/attributes/_ID", 6)),
     "error", "MESH_PRIMITIVE_ATTRIBUTES_ACCESSOR_UNSIGNED_INT",
     "/meshes/0/primitives/0/attributes/_ID"),
    ("unequal counts", _set("/accessors/2/count", 4), "error",
     "MESH_PRIMITIVE_UNEQUAL_ACCESSOR_COUNT", "/meshes/0/primitives/0/attributes/TEXCOORD_0"),
    ("bad attribute name", _set("/meshes/0/primitives/0/attributes/~SHINE~1", 1), "error",
     "MESH_PRIMITIVE_INVALID_ATTRIBUTE", "/meshes/0/primitives/0/attributes/~0SHINE~1"),
    ("slash in attribute name", _set("/meshes/0/primitives/0/attributes/A~1B", 1), "error",
     "MESH_PRIMITIVE_INVALID_ATTRIBUTE", "/meshes/0/primitives/0/attributes/A~1B"),
    ("TEXCOORD_1 without 0", _all(_drop("/meshes/0/primitives/0/attributes/TEXCOORD_0"),
                                  _set("/meshes/0/primitives/0/attributes/TEXCOORD_1", 2)),
     "error", "MESH_PRIMITIVE_INDEXED_SEMANTIC_CONTINUITY",
     "/meshes/0/primitives/0/attributes"),
    ("joints without weights", _all(
        _set("/accessors/6", {"componentType": 5121, "count": 3, "type": "VEC4"}),
        _set("/meshes/0/primitives/0/attributes/JOINTS_0", 6)),
     "error", "MESH_PRIMITIVE_JOINTS_WEIGHTS_MISMATCH", "/meshes/0/primitives/0/attributes"),
    ("morph count", _all(
        _set("/accessors/6", {"componentType": 5126, "count": 4, "type": "VEC3"}),
        _set("/meshes/0/primitives/0/targets", [{"POSITION": 6}])),
     "error", "MESH_PRIMITIVE_MORPH_TARGET_INVALID_ATTRIBUTE_COUNT",
     "/meshes/0/primitives/0/targets/0/POSITION"),
    ("unequal target counts", _all(
        _set("/meshes/0/primitives/0/targets", [{"POSITION": 1}]),
        _set("/meshes/0/primitives/1", {"attributes": {"POSITION": 0}})),
     "error", "MESH_PRIMITIVES_UNEQUAL_TARGETS_COUNT", "/meshes/0/primitives/1"),
    ("float indices", _set("/accessors/3/componentType", 5126), "error",
     "MESH_PRIMITIVE_INDICES_ACCESSOR_INVALID_FORMAT", "/meshes/0/primitives/0/indices"),
    ("indices in a vertex view", _set("/accessors/3/bufferView", 0), "error",
     "BUFFER_VIEW_TARGET_OVERRIDE", "/meshes/0/primitives/0/indices"),
    ("normalized float", _set("/accessors/1/normalized", True), "error",
     "ACCESSOR_NORMALIZED_INVALID", "/accessors/1/normalized"),
    ("no position", _drop("/meshes/0/primitives/0/attributes/POSITION"), "warning",
     "MESH_PRIMITIVE_NO_POSITION", "/meshes/0/primitives/0/attributes"),
    # --- animations ---
    ("duplicate target", _set("/animations/0/channels/1",
                              {"sampler": 0, "target": {"node": 0, "path": "translation"}}),
     "error", "ANIMATION_DUPLICATE_TARGETS", "/animations/0/channels/0/target"),
    ("weights without morphs", _set("/animations/0/channels/0/target/path", "weights"),
     "error", "ANIMATION_CHANNEL_TARGET_NODE_WEIGHTS_NO_MORPHS",
     "/animations/0/channels/0/target"),
    ("integer times", _set("/accessors/4/componentType", 5125), "error",
     "ANIMATION_SAMPLER_INPUT_ACCESSOR_INVALID_FORMAT", "/animations/0/samplers/0/input"),
    ("times without bounds", _drop("/accessors/4/min"), "error",
     "ANIMATION_SAMPLER_INPUT_ACCESSOR_WITHOUT_BOUNDS", "/animations/0/samplers/0/input"),
    ("rotation from VEC3", _set("/animations/0/channels/0/target/path", "rotation"), "error",
     "ANIMATION_SAMPLER_OUTPUT_ACCESSOR_INVALID_FORMAT", "/animations/0/samplers/0/output"),
    ("too few outputs", _set("/accessors/5/count", 1), "error",
     "ANIMATION_SAMPLER_OUTPUT_ACCESSOR_INVALID_COUNT", "/animations/0/channels/0/sampler"),
    ("one cubic key", _all(_set("/accessors/4/count", 1), _set("/accessors/5/count", 3),
                           _set("/animations/0/samplers/0/interpolation", "CUBICSPLINE")),
     "error", "ANIMATION_SAMPLER_INPUT_ACCESSOR_TOO_FEW_ELEMENTS",
     "/animations/0/samplers/0/input"),
    ("empty channels", _set("/animations/0/channels", []), "error", "EMPTY_ENTITY",
     "/animations/0/channels"),
    # --- cameras, materials, textures ---
    ("both projections", _set("/cameras/0/orthographic",
                              {"xmag": 1, "ymag": 1, "znear": 0, "zfar": 10}),
     "error", "ONE_OF_MISMATCH", "/cameras/0"),
    ("perspective missing", _drop("/cameras/0/perspective"), "error", "UNDEFINED_PROPERTY",
     "/cameras/0"),
    ("far before near", _set("/cameras/0/perspective/zfar", 0.05), "error",
     "CAMERA_ZFAR_LEQUAL_ZNEAR", "/cameras/0/perspective"),
    ("flat orthographic", _set("/cameras/0", {"type": "orthographic", "orthographic": {
        "xmag": 0, "ymag": 1, "znear": 0, "zfar": 10}}),
     "error", "CAMERA_XMAG_YMAG_ZERO", "/cameras/0/orthographic/xmag"),
    ("cutoff when opaque", _set("/materials/0/alphaCutoff", 0.5), "warning",
     "MATERIAL_ALPHA_CUTOFF_INVALID_MODE", "/materials/0/alphaCutoff"),
    ("webp without extension", _set("/images/0/uri", "relic.webp"), "error",
     "TEXTURE_INVALID_IMAGE_MIME_TYPE", "/textures/0/source"),
    ("png through webp", _all(
        _set("/extensionsUsed", ["EXT_texture_webp"]),
        _set("/textures/0/extensions", {"EXT_texture_webp": {"source": 0}})),
     "error", "TEXTURE_INVALID_IMAGE_MIME_TYPE", "/textures/0/extensions/EXT_texture_webp/source"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("mutation", "severity", "code", "pointer"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_each_rule_reports_its_code_at_its_pointer(
    mutation: Mutation, severity: str, code: str, pointer: str
) -> None:
    document = _document()
    mutation(document)
    issues = _issues(document)
    found = [(i.severity, i.code, i.pointer) for i in issues]
    assert (severity, code, pointer) in found, found
    issue = next(i for i in issues if (i.code, i.pointer) == (code, pointer))
    assert len(issue.message) > 15 and issue.message.endswith(".")


def test_quantized_attributes_pass_only_with_khr_mesh_quantization() -> None:
    document = _document()
    document["accessors"][0].update(componentType=5123, normalized=False)
    codes = {i.code for i in _issues(document)}
    assert "MESH_PRIMITIVE_ATTRIBUTES_ACCESSOR_INVALID_FORMAT" in codes
    document["extensionsUsed"] = document["extensionsRequired"] = ["KHR_mesh_quantization"]
    assert _issues(document) == []


def test_children_and_scene_roots_are_left_to_the_structure_checks() -> None:
    document = _document()
    document["nodes"][0]["children"] = [1, 9]
    document["scenes"][0]["nodes"] = [-1]
    assert _issues(document) == []  # structure reports both, once


def test_a_long_chain_of_joints_has_its_root_as_skeleton() -> None:
    count = 20_000
    document = _document()
    document["nodes"] = [{"children": [i + 1]} for i in range(count - 1)] + [{}]
    document["nodes"][0]["mesh"] = 0
    document["skins"] = [{"joints": list(range(1, count)), "skeleton": 1}]
    document["animations"][0]["channels"][0]["target"]["node"] = count - 1
    assert _issues(document) == []
    document["skins"][0]["skeleton"] = count - 1  # a leaf is no common root
    assert "SKIN_SKELETON_INVALID" in {i.code for i in _issues(document)}


def test_depth_of_unknown_json_costs_no_recursion() -> None:
    deep: Any = "leaf"
    for _ in range(100_000):
        deep = [deep] if isinstance(deep, str | dict) else {"a": deep}
    document = _document()
    document["extras"] = deep
    document["nodes"][0]["extras"] = deep
    document["nodes"][0]["futureProperty"] = deep
    issues = _issues(document)
    assert [(i.code, i.pointer) for i in issues] == [
        ("UNEXPECTED_PROPERTY", "/nodes/0/futureProperty")
    ]


def test_huge_values_are_shown_short() -> None:
    document = _document()
    document["asset"]["version"] = "9" * 100_000
    document["accessors"][0]["count"] = -(10**5000)
    messages = [i.message for i in _issues(document)]
    assert len(messages) == 2
    assert all(len(m) < 300 for m in messages)


# --- any JSON anywhere: report, never raise ----------------------------------------

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)  # fmt: skip


def _pointers(document: Any) -> list[str]:
    """Every JSON pointer inside ``document`` (iteratively)."""
    found, stack = [], [("", document)]
    while stack:
        pointer, value = stack.pop()
        found.append(pointer)
        if isinstance(value, dict):
            stack.extend((f"{pointer}/{k.replace('~', '~0').replace('/', '~1')}", v)
                         for k, v in value.items())  # fmt: skip
        elif isinstance(value, list):
            stack.extend((f"{pointer}/{i}", v) for i, v in enumerate(value))
    return found


POINTERS = _pointers(_rich_document())[1:]
KEYS = sorted({p.rsplit("/", 1)[1] for p in POINTERS if not p.rsplit("/", 1)[1].isdigit()})


def _assert_reports_only(document: Any) -> None:
    report = Reporter("fuzz.gltf")
    check_rules(document, report)
    for issue in report.issues:
        assert issue.severity in ("error", "warning", "info")
        assert issue.code.isupper() and issue.message
        assert issue.pointer == "" or issue.pointer.startswith("/")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    edits=st.lists(
        st.tuples(st.sampled_from(POINTERS), st.booleans() | JSON_VALUES), min_size=1, max_size=4
    )
)
def test_any_json_value_in_any_place_is_reported_never_raised(
    edits: list[tuple[str, Any]],
) -> None:
    document = _rich_document()
    for pointer, value in edits:
        try:
            parent, key = _parent(document, pointer)
            if value is True and isinstance(parent, dict):
                parent.pop(key, None)  # deleting a property is a mutation too
            elif isinstance(parent, list) and isinstance(key, int) and key >= len(parent):
                continue
            else:
                parent[key] = value
        except (KeyError, IndexError, TypeError, ValueError):
            continue  # an earlier edit removed the path
    _assert_reports_only(document)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(KEYS), JSON_VALUES, max_size=8))
def test_any_values_under_gltf_names_are_reported_never_raised(
    document: dict[str, Any],
) -> None:
    _assert_reports_only(document)
    _assert_reports_only({"asset": {"version": "2.0"}, **{k: [document] for k in document}})


# --- the Khronos validator's test suite ------------------------------------------

# Codes of the Khronos reports that other checks of the gate own (binary data, URIs, the
# GLB container, the node graph) or that Museion does not report.
NOT_RULES = frozenset(
    """ACCESSOR_ANIMATION_INPUT_NEGATIVE ACCESSOR_ANIMATION_INPUT_NON_INCREASING
    ACCESSOR_ANIMATION_SAMPLER_OUTPUT_NON_NORMALIZED_QUATERNION ACCESSOR_ELEMENT_OUT_OF_MAX_BOUND
    ACCESSOR_ELEMENT_OUT_OF_MIN_BOUND ACCESSOR_INDEX_PRIMITIVE_RESTART ACCESSOR_INVALID_FLOAT
    ACCESSOR_INVALID_IBM ACCESSOR_JOINTS_INDEX_DUPLICATE ACCESSOR_JOINTS_INDEX_OOB
    ACCESSOR_MATRIX_ALIGNMENT ACCESSOR_MAX_MISMATCH ACCESSOR_MIN_MISMATCH ACCESSOR_NON_CLAMPED
    ACCESSOR_OFFSET_ALIGNMENT ACCESSOR_TOO_LONG ACCESSOR_TOTAL_OFFSET_ALIGNMENT
    ACCESSOR_WEIGHTS_NEGATIVE ACCESSOR_WEIGHTS_NON_NORMALIZED BUFFER_BYTE_LENGTH_MISMATCH
    BUFFER_DATA_URI_MIME_TYPE_INVALID BUFFER_MISSING_GLB_DATA BUFFER_VIEW_TOO_BIG_BYTE_STRIDE
    BUFFER_VIEW_TOO_LONG IMAGE_BUFFER_VIEW_WITH_BYTESTRIDE IMAGE_MIME_TYPE_INVALID
    IMAGE_UNEXPECTED_EOS INVALID_JSON INVALID_URI SKIN_IBM_ACCESSOR_WITH_BYTESTRIDE
    UNKNOWN_ASSET_MAJOR_VERSION NODE_LOOP NODE_PARENT_OVERRIDE
    SCENE_NON_ROOT_NODE""".split()  # noqa: SIM905 - a word list reads better here
)


def _corpus_files(folder: str) -> list[Path]:
    return sorted(p for p in (CORPUS / folder).rglob("*") if p.suffix in (".gltf", ".glb"))


def _document_of(path: Path) -> Any:
    """The parsed JSON of a corpus file; a .gltf the gate refuses to read (an unknown
    version, a root that is no object) is parsed as plain JSON, as the rules may be."""
    try:
        return read_gltf(path.parent, path.name).document
    except AssetRejected:
        return json.loads(path.read_bytes()) if path.suffix == ".gltf" else None


@needs_corpus
def test_valid_and_edge_valid_corpus_files_break_no_rule() -> None:
    files = _corpus_files("valid") + _corpus_files("edge_valid")
    assert len(files) > 80
    for path in files:
        errors = [str(i) for i in _issues(_document_of(path)) if i.severity == "error"]
        assert errors == [], path.relative_to(CORPUS)


@needs_corpus
def test_every_json_error_of_the_khronos_reports_is_found_at_its_pointer() -> None:
    compared = 0
    for path in _corpus_files("invalid"):
        khronos = path.with_name(path.name + ".report.json")
        if not khronos.is_file():
            continue
        messages = json.loads(khronos.read_text())["issues"]["messages"]
        expected = {
            (m["code"], m.get("pointer", "").rstrip("/"))
            for m in messages
            if m["severity"] == 0 and m["code"] not in NOT_RULES and m["code"][:4] != "GLB_"
        }
        if not expected:
            continue
        document = _document_of(path)
        assert document is not None, path
        ours = {(i.code, i.pointer) for i in _issues(document) if i.severity == "error"}
        assert expected <= ours, (path.relative_to(CORPUS), expected - ours)
        compared += len(expected)
    assert compared >= 140  # 144 in the corpus as shipped


def test_anisotropy_without_a_tangent_space_is_refused() -> None:
    """Anisotropy needs tangents, or a normal map to generate them from (MikkTSpace)."""

    def codes(material: dict[str, Any], attributes: dict[str, int]) -> set[str]:
        document = {
            "asset": {"version": "2.0"},
            "extensionsUsed": ["KHR_materials_anisotropy"],
            "materials": [material],
            "meshes": [{"primitives": [{"attributes": attributes, "material": 0}]}],
            "accessors": [
                {"componentType": 5126, "count": 3, "type": "VEC3", "min": [0] * 3, "max": [1] * 3},
                {"componentType": 5126, "count": 3, "type": "VEC2"},
                {"componentType": 5126, "count": 3, "type": "VEC4"},
            ],
        }
        report = Reporter("x.gltf")
        check_rules(document, report)
        return {i.code for i in report.issues if i.severity == "error"}

    anisotropic = {"extensions": {"KHR_materials_anisotropy": {"anisotropyStrength": 0.5}}}
    plain = {"POSITION": 0, "TEXCOORD_0": 1}
    assert "MESH_PRIMITIVE_NO_TANGENT_SPACE" in codes(anisotropic, plain)
    assert "MESH_PRIMITIVE_NO_TANGENT_SPACE" not in codes(anisotropic, {**plain, "TANGENT": 2})
    with_normal_map = {**anisotropic, "normalTexture": {"index": 0}}
    assert "MESH_PRIMITIVE_NO_TANGENT_SPACE" not in codes(with_normal_map, plain)
