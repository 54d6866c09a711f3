"""The extension policy in the gate's report: which extensions are read, refused or left aside."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from museion.scenes.gltf.extensions import EXTENSIONS, check_extensions
from museion.scenes.gltf.gate import validate_gltf
from museion.scenes.gltf.report import GltfReport, Reporter
from tests.conftest import CORPUS

needs_corpus = pytest.mark.skipif(
    not CORPUS.is_dir(), reason="../shared/corpus is absent (public glTF corpus)"
)
_EXTENSION_CODES = {
    "UNEXPECTED_EXTENSION_OBJECT",
    "UNUSED_EXTENSION_REQUIRED",
    "NON_REQUIRED_EXTENSION",
    "UNDECLARED_EXTENSION",
}


def _report(document: dict[str, Any]) -> GltfReport:
    report = Reporter("test.gltf")
    check_extensions(document, report)
    return report.report()


def _document(path: Path) -> Any:
    data = path.read_bytes()
    if data[:4] == b"glTF":
        (length,) = struct.unpack_from("<I", data, 12)
        return json.loads(data[20 : 20 + length])
    return json.loads(data)


def _corpus_files(folder: str) -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in (CORPUS / folder).rglob("*") if p.suffix in (".gltf", ".glb"))


@needs_corpus
@pytest.mark.parametrize("folder", ["valid", "edge_valid"])
def test_no_valid_corpus_file_gets_an_extension_error(folder: str) -> None:
    checked, failures = 0, []
    for path in _corpus_files(folder):
        try:
            document = _document(path)
        except (ValueError, UnicodeDecodeError):
            continue  # the container and JSON tests cover those
        if not isinstance(document, dict):
            continue
        checked += 1
        errors = _report(document).errors
        if errors:
            failures.append((path.relative_to(CORPUS), [str(e) for e in errors]))
    assert checked >= 15
    assert failures == []


@needs_corpus
def test_the_corpus_extension_errors_are_the_khronos_validators() -> None:
    compared = 0
    for path in _corpus_files("invalid"):
        expected_file = path.with_name(path.name + ".report.json")
        if not expected_file.is_file():
            continue
        khronos = json.loads(expected_file.read_text())["issues"]["messages"]
        expected = {
            (m["code"], m.get("pointer", ""))
            for m in khronos
            if m["severity"] == 0 and m["code"] in _EXTENSION_CODES
        }
        if not expected:
            continue
        compared += 1
        ours = {(i.code, i.pointer) for i in _report(_document(path)).errors}
        assert expected <= ours, path.relative_to(CORPUS)
    assert compared >= 10


def test_a_required_extension_museion_cannot_render_is_refused_with_a_way_out() -> None:
    document = {
        "asset": {"version": "2.0"},
        "extensionsUsed": ["EXT_texture_avif"],
        "extensionsRequired": ["EXT_texture_avif"],
    }
    (error,) = _report(document).errors
    assert (error.code, error.pointer) == ("UNSUPPORTED_EXTENSION", "/extensionsRequired/0")
    assert "PNG or JPEG" in error.message


def test_an_unknown_required_extension_is_refused_and_an_unknown_used_one_warned() -> None:
    required = _report({"extensionsUsed": ["X_new"], "extensionsRequired": ["X_new"]})
    assert [(i.code, i.pointer) for i in required.errors] == [
        ("UNSUPPORTED_EXTENSION", "/extensionsRequired/0")
    ]
    used = _report({"extensionsUsed": ["KHR_draco_mesh_compression", "X_new"]})
    assert used.valid
    assert [(i.severity, i.code, i.pointer) for i in used.issues] == [
        ("warning", "UNSUPPORTED_EXTENSION", "/extensionsUsed/1")
    ]


def test_decoded_extensions_may_be_required() -> None:
    decoded = [name for name, s in EXTENSIONS.items() if s.status == "decoded"]
    assert set(decoded) == {
        "KHR_draco_mesh_compression",
        "EXT_meshopt_compression",
        "KHR_mesh_quantization",
        "KHR_texture_basisu",
        "KHR_texture_transform",
        "KHR_materials_emissive_strength",
        "EXT_texture_webp",
    }
    report = _report({"extensionsUsed": decoded, "extensionsRequired": decoded})
    assert report.issues == ()


def test_what_is_not_rendered_is_said_louder_when_the_look_changes_a_lot() -> None:
    report = _report({"extensionsUsed": ["KHR_materials_unlit", "KHR_materials_sheen"]})
    assert report.valid
    severities = {i.message.split()[0]: i.severity for i in report.issues}
    assert severities == {"KHR_materials_unlit": "warning", "KHR_materials_sheen": "info"}
    assert report.codes("warning") == {"EXTENSION_NOT_RENDERED"}


def test_what_is_approximated_is_said_and_accepted_even_when_required() -> None:
    names = ["KHR_materials_transmission", "KHR_materials_clearcoat"]
    report = _report({"extensionsUsed": names, "extensionsRequired": names})
    assert report.valid
    assert report.codes("info") == {"EXTENSION_APPROXIMATED"}
    assert all("docs/materials.md" in i.message for i in report.issues)


def test_quantization_must_be_required_and_extensions_must_be_declared() -> None:
    report = _report(
        {
            "extensionsUsed": ["KHR_mesh_quantization"],
            "materials": [{"extensions": {"KHR_materials_unlit": {}}}],
        }
    )
    assert {(i.code, i.pointer) for i in report.errors} == {
        ("NON_REQUIRED_EXTENSION", "/extensionsUsed/0"),
        ("UNDECLARED_EXTENSION", "/materials/0/extensions/KHR_materials_unlit"),
    }


def test_the_gate_refuses_a_file_requiring_an_unrenderable_extension(tmp_path: Path) -> None:
    document = {
        "asset": {"version": "2.0"},
        "extensionsUsed": ["KHR_materials_pbrSpecularGlossiness"],
        "extensionsRequired": ["KHR_materials_pbrSpecularGlossiness"],
        "materials": [{"extensions": {"KHR_materials_pbrSpecularGlossiness": {}}}],
    }
    (tmp_path / "gloss.gltf").write_text(json.dumps(document))
    report = validate_gltf(tmp_path, "gloss.gltf")
    assert not report.valid
    assert ("UNSUPPORTED_EXTENSION", "/extensionsRequired/0") in {
        (i.code, i.pointer) for i in report.errors
    }


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=30), inner),
    max_leaves=30,
)
_names = st.sampled_from([*EXTENSIONS, "X_unknown", ""])


@settings(max_examples=300, deadline=None)
@given(
    used=st.lists(_names | _json, max_size=5),
    required=st.lists(_names | _json, max_size=5) | _json,
    objects=st.dictionaries(
        st.sampled_from(["materials", "nodes", "meshes", "textures", "animations"]),
        st.lists(st.dictionaries(st.sampled_from(["extensions", "pbrMetallicRoughness"]), _json)),
    ),
)
def test_any_json_gives_a_report_never_an_exception(
    used: list[Any], required: Any, objects: dict[str, Any]
) -> None:
    report = _report({"extensionsUsed": used, "extensionsRequired": required, **objects})
    assert all(i.pointer.startswith("/") for i in report.issues)
