"""Structural caps: loops, shared children, deep trees, deep JSON and huge counts are refused
fast, without recursion."""

from __future__ import annotations

import json
from typing import Any

from museion.scenes.gltf.report import GltfIssue, Reporter
from museion.scenes.gltf.structure import StructureLimits, check_structure, json_depth


def _refused(document: dict[str, Any], limits: StructureLimits | None = None) -> GltfIssue:
    report = Reporter("x.gltf")
    check_structure({"asset": {"version": "2.0"}, **document}, report, limits)
    assert report.issues, "expected an error"
    return report.issues[0]


def test_a_tree_passes() -> None:
    nodes = [{"children": [1, 2]}, {"children": [3]}, {}, {}]
    report = Reporter("x.gltf")
    check_structure({"nodes": nodes, "scenes": [{"nodes": [0]}]}, report)
    assert report.issues == []


def test_loops_of_any_length_are_refused() -> None:
    assert _refused({"nodes": [{"children": [0]}]}).code == "NODE_LOOP"
    ring = [{"children": [(i + 1) % 1000]} for i in range(1000)]
    assert _refused({"nodes": ring}).code == "NODE_LOOP"


def test_exponential_fan_out_is_refused_as_shared_children() -> None:
    # Diamonds stacked 60 high: node 2k lists 2k+1 and 2k+2, and 2k+1 lists 2k+2 too, so
    # a loader that follows children makes 2**60 instances.
    nodes: list[dict[str, Any]] = [{} for _ in range(121)]
    for k in range(60):
        nodes[2 * k] = {"children": [2 * k + 1, 2 * k + 2]}
        nodes[2 * k + 1] = {"children": [2 * k + 2]}
    refused = _refused({"nodes": nodes})
    assert refused.code == "NODE_PARENT_OVERRIDE" and refused.pointer.startswith("/nodes/")


def test_a_deep_chain_is_refused_quickly() -> None:
    chain = [{"children": [i + 1]} for i in range(99_999)] + [{}]
    refused = _refused({"nodes": chain})
    assert refused.code == "NODE_TOO_DEEP"


def test_references_and_scene_roots() -> None:
    assert _refused({"nodes": [{"children": [7]}]}).code == "UNRESOLVED_REFERENCE"
    two = {"nodes": [{"children": [1]}, {}]}
    assert _refused({**two, "scenes": [{"nodes": [1]}]}).code == "SCENE_NON_ROOT_NODE"
    assert _refused({**two, "scenes": [{"nodes": [9]}]}).code == "UNRESOLVED_REFERENCE"


def test_counts_are_capped() -> None:
    refused = _refused({"accessors": [{}] * 11}, StructureLimits(max_accessors=10))
    assert refused.code == "COUNT_TOO_LARGE" and refused.pointer == "/accessors"


def test_a_skin_with_more_joints_than_the_renderer_skins_is_refused() -> None:
    nodes = [{} for _ in range(200)]
    skin = {"joints": list(range(129))}
    refused = _refused({"nodes": nodes, "skins": [skin]})
    assert (refused.code, refused.pointer) == ("SKIN_TOO_MANY_JOINTS", "/skins/0/joints")
    report = Reporter("x.gltf")
    check_structure(
        {"asset": {"version": "2.0"}, "nodes": nodes, "skins": [{"joints": [0]}]}, report
    )
    assert report.issues == []


def test_json_depth_ignores_brackets_in_strings() -> None:
    assert json_depth(b'{"a": [1, {"b": "[[[[{{{{"}]}') == 3
    assert json_depth(json.dumps({"s": 'x\\"[[['}).encode()) == 1
    assert json_depth(b"[" * 1000 + b"]" * 1000) == 1000


def test_one_fault_found_by_two_checks_is_reported_once() -> None:
    report = Reporter("x.gltf")
    report.error("VALUE_NOT_IN_RANGE", "/accessors/0/count", "Value -3 is out of range.")
    report.error("ACCESSOR_RANGE_INVALID", "/accessors/0/count", "count -3 is not ...")
    report.error("ACCESSOR_SPARSE_COUNT_OUT_OF_RANGE", "/accessors/1/sparse", "too many")
    report.error("ACCESSOR_SPARSE_COUNT_OUT_OF_RANGE", "/accessors/1/sparse/count", "again")
    # The same property code below another object is another fault, kept.
    report.error("UNDEFINED_PROPERTY", "", "Property 'asset' must be defined.")
    report.error("UNDEFINED_PROPERTY", "/buffers/0", "Property 'byteLength' must be defined.")
    assert [(i.code, i.pointer) for i in report.issues] == [
        ("VALUE_NOT_IN_RANGE", "/accessors/0/count"),
        ("ACCESSOR_SPARSE_COUNT_OUT_OF_RANGE", "/accessors/1/sparse"),
        ("UNDEFINED_PROPERTY", ""),
        ("UNDEFINED_PROPERTY", "/buffers/0"),
    ]
