"""The gate: only files inside the asset root, under the cap, with a sane container."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from museion.scenes.errors import AssetRejected
from museion.scenes.gltf.gate import check_gltf
from museion.scenes.gltf.report import GltfInvalid
from tests.conftest import CORPUS


def _glb(document: dict[str, object], *, version: int = 2, length_delta: int = 0) -> bytes:
    payload = json.dumps(document).encode()
    payload += b" " * (-len(payload) % 4)
    total = 12 + 8 + len(payload)
    header = struct.pack("<4sII", b"glTF", version, total + length_delta)
    return header + struct.pack("<II", len(payload), 0x4E4F534A) + payload


MINIMAL = {"asset": {"version": "2.0"}}


def _reject(root: Path, name: str, code: str, **kwargs: int) -> None:
    """``name`` is refused, with ``code`` among the errors of its report."""
    with pytest.raises(AssetRejected) as caught:
        check_gltf(root, name, **kwargs)
    refused = caught.value
    codes = refused.report.codes() if isinstance(refused, GltfInvalid) else {refused.code}
    assert code in codes, codes
    assert refused.message


def test_accepts_a_minimal_glb(tmp_path: Path) -> None:
    (tmp_path / "a.glb").write_bytes(_glb(MINIMAL))
    checked = check_gltf(tmp_path, "a.glb")
    assert checked.path == (tmp_path / "a.glb").resolve()


def test_refuses_paths_outside_the_root(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (tmp_path / "secret.glb").write_bytes(_glb(MINIMAL))
    _reject(root, "../secret.glb", "URI_OUTSIDE_ROOT")
    _reject(root, str(tmp_path / "secret.glb"), "PATH_ABSOLUTE")
    (root / "link.glb").symlink_to(tmp_path / "secret.glb")
    _reject(root, "link.glb", "URI_OUTSIDE_ROOT")
    _reject(root, "", "PATH_INVALID")
    _reject(root, "a\x00.glb", "PATH_INVALID")


def test_refuses_wrong_kind_missing_and_oversized(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hi")
    _reject(tmp_path, "notes.txt", "NOT_GLTF")
    _reject(tmp_path, "missing.glb", "NOT_FOUND")
    (tmp_path / "big.glb").write_bytes(_glb(MINIMAL))
    _reject(tmp_path, "big.glb", "FILE_TOO_LARGE", max_bytes=10)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"glTF\x02\x00", "GLB_UNEXPECTED_END_OF_HEADER"),
        (_glb(MINIMAL, version=1), "GLB_VERSION"),
        (_glb(MINIMAL, length_delta=4), "GLB_LENGTH"),
        (b"{not json", "INVALID_JSON"),
        (b"[1]", "INVALID_JSON"),
        (b"\xff\xfe{}", "INVALID_JSON"),
        (json.dumps({"asset": {"version": "1.0"}}).encode(), "UNKNOWN_ASSET_MAJOR_VERSION"),
        (
            json.dumps({**MINIMAL, "buffers": [{"uri": "../../etc/passwd"}]}).encode(),
            "URI_OUTSIDE_FOLDER",
        ),
        (
            json.dumps({**MINIMAL, "images": [{"uri": "http://x/y.png"}]}).encode(),
            "URI_NOT_RELATIVE",
        ),
        (json.dumps({**MINIMAL, "buffers": {"uri": "a"}}).encode(), "TYPE_MISMATCH"),
    ],
)
def test_refuses_broken_containers(tmp_path: Path, data: bytes, code: str) -> None:
    name = "x.glb" if data.startswith(b"glTF") else "x.gltf"
    (tmp_path / name).write_bytes(data)
    _reject(tmp_path, name, code)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is absent (public glTF corpus)")
def test_corpus_valid_models_pass_the_gate() -> None:
    valid = CORPUS / "valid"
    models = sorted(p for p in valid.rglob("*") if p.suffix in (".gltf", ".glb"))
    assert models
    for model in models:
        check_gltf(valid, str(model.relative_to(valid)))


def _manifest(category: str) -> list[tuple[str, str]]:
    rows = (CORPUS / "hostile" / "MANIFEST.tsv").read_text().splitlines()[1:]
    fields = [row.split("\t") for row in rows]
    return [(f[0], f[2]) for f in fields if f[0].startswith(f"{category}/")]


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is absent (public glTF corpus)")
@pytest.mark.parametrize(
    ("category", "codes"),
    [
        ("uri_escape", ("URI_",)),
        ("data_uri", ("URI_",)),
        ("graph", ("NODE_", "UNRESOLVED_REFERENCE")),
        ("json", ("JSON_", "INVALID_JSON", "UNKNOWN_ASSET_MAJOR_VERSION")),
        ("container", ("GLB_", "INVALID_JSON", "BUFFER_MISSING_GLB_DATA")),
    ],
)
def test_corpus_hostile_files_are_refused(category: str, codes: tuple[str, ...]) -> None:
    hostile = CORPUS / "hostile"
    cases = [(path, verdict) for path, verdict in _manifest(category) if verdict == "reject"]
    assert len(cases) >= 3
    for path, _ in cases:
        if path == "json/nan_vertices.gltf":
            continue  # NaN inside the binary data: the accessor checks come next
        with pytest.raises(AssetRejected) as refused:
            check_gltf(hostile, path)
        assert refused.value.code.startswith(codes), (path, refused.value.code)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is absent (public glTF corpus)")
def test_khronos_invalid_glb_containers_are_refused_with_their_codes() -> None:
    suite = CORPUS / "invalid" / "glb"
    cases = sorted(suite.glob("*.glb"))
    assert len(cases) >= 10
    ours_only = {"GLB_LENGTH"}  # same fault, found first
    for case in cases:
        report = json.loads(case.with_name(case.name + ".report.json").read_text())
        theirs = {m["code"] for m in report["issues"]["messages"] if m["severity"] == 0}
        with pytest.raises(AssetRejected) as refused:
            check_gltf(suite, case.name)
        assert refused.value.code in theirs | ours_only, (case.name, refused.value.code, theirs)
