"""``import_model``: a real sample GLB becomes a placeable model and a kept original; a
hostile upload is refused with the gate's report and leaves the exhibition untouched."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from museion.scenes.gltf.gate import validate_gltf
from museion.scenes.gltf.glb import write_glb
from museion.tools.errors import ImportRefused
from museion.tools.studio import ImportedModel, ImportOptions, import_model
from museion.tools.studio.names import slug, title
from museion.tools.transform.document import GltfDocument, write_document
from museion.tools.transform.pipeline import step_names
from tests.conftest import ASSETS, CORPUS
from tests.gltf_fixtures import triangle, write_gltf

EXHIBIT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")  # the scene schema's id rule


def files(root: Path) -> list[str]:
    """Everything under ``root``, hidden files included (a leftover temp is a failure)."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def upload(tmp_path: Path, data: bytes, name: str = "upload.bin") -> Path:
    """Where the server would have put the upload's bytes (its own name, no suffix rule)."""
    path = tmp_path / "incoming" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    return path


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "exhibition"
    folder.mkdir()
    return folder


def test_a_sample_relic_becomes_a_placeable_model_and_a_kept_original(
    tmp_path: Path, root: Path
) -> None:
    original = (ASSETS / "relic.glb").read_bytes()
    model = import_model(root, upload(tmp_path, original), "Bronze Relic (scan).glb")
    assert model.asset == "models/bronze-relic-scan.glb"
    assert model.suggested_id == "bronze-relic-scan" and EXHIBIT_ID.match(model.suggested_id)
    assert model.title == "Bronze Relic (scan)"
    assert re.fullmatch(r"originals/[0-9a-f]{64}\.glb", model.original)
    assert (root / model.original).read_bytes() == original
    assert validate_gltf(root, model.asset).valid  # the engine's gate takes it
    before, after = model.stats["before"], model.stats["after"]
    assert before["bytes"] == len(original)
    assert after["bytes"] == (root / model.asset).stat().st_size < before["bytes"]
    assert after["triangles"] == before["triangles"] > 0  # optimized, not simplified
    assert [s["name"] for s in model.stats["stages"]][:2] == ["gate", "read"]
    low, high = model.bounds
    assert all(lo < hi for lo, hi in zip(low, high, strict=True))
    assert all(f["severity"] != "error" for f in model.report)
    assert json.loads(json.dumps(model.to_json()))["bounds"]["min"] == list(low)
    assert files(root) == sorted([model.asset, model.original])


def test_progress_names_every_stage_in_order_and_reaches_one(tmp_path: Path, root: Path) -> None:
    calls: list[tuple[str, float]] = []
    options = ImportOptions()
    assert options.optimize is not None
    import_model(
        root,
        upload(tmp_path, (ASSETS / "pedestal.glb").read_bytes()),
        "pedestal.glb",
        options=options,
        progress=lambda stage, fraction: calls.append((stage, fraction)),
    )
    expected = ["gate", "read", *step_names(options.optimize), "write", "check", "store", "done"]
    assert [stage for stage, _ in calls] == expected
    fractions = [fraction for _, fraction in calls]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    assert len(set(fractions)) == len(fractions)  # every stage moves the bar


def test_the_same_upload_twice_keeps_one_original_and_two_models(
    tmp_path: Path, root: Path
) -> None:
    data = (ASSETS / "pedestal.glb").read_bytes()
    first = import_model(root, upload(tmp_path, data), "pedestal.glb")
    second = import_model(root, upload(tmp_path, data), "pedestal.glb")
    assert first.original == second.original
    assert (first.asset, second.asset) == ("models/pedestal.glb", "models/pedestal-2.glb")
    assert (first.suggested_id, second.suggested_id) == ("pedestal", "pedestal-2")
    assert files(root) == sorted([first.original, first.asset, second.asset])


def box_document() -> GltfDocument:
    """A cube from -1 to 1 on a node that scales x by 2, turns 90 degrees about y (x goes
    to -z) and lifts by 1: its world box is x -1..1, y 0..2, z -2..2."""
    corners = np.array(
        [[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], dtype=np.float32
    )
    faces = [
        (0, 1, 3), (0, 3, 2), (4, 6, 7), (4, 7, 5), (0, 4, 5), (0, 5, 1),
        (2, 3, 7), (2, 7, 6), (0, 2, 6), (0, 6, 4), (1, 5, 7), (1, 7, 3),
    ]  # fmt: skip
    half = math.sqrt(0.5)
    return GltfDocument(
        json={
            "asset": {"version": "2.0"},
            "scene": 0,
            "scenes": [{"nodes": [0]}],
            "nodes": [
                {"children": [1], "translation": [0, 1, 0]},
                {"mesh": 0, "scale": [2, 1, 1], "rotation": [0, half, 0, half]},
            ],
            "meshes": [{"primitives": [{"attributes": {"POSITION": 0}, "indices": 1}]}],
            "accessors": [
                {"componentType": 5126, "count": 8, "type": "VEC3", "min": [], "max": []},
                {"componentType": 5125, "count": 36, "type": "SCALAR"},
            ],
        },
        arrays=[corners, np.array(faces, dtype=np.uint32).reshape(-1, 1)],
    )


def test_bounds_of_a_known_box_follow_the_node_transforms(tmp_path: Path, root: Path) -> None:
    staged = tmp_path / "box.glb"
    write_document(box_document(), staged)
    model = import_model(root, staged, "box.glb")
    assert np.allclose(model.bounds, [[-1, 0, -2], [1, 2, 2]], atol=1e-6)


def test_a_file_that_is_not_gltf_by_name_is_refused_and_nothing_written(
    tmp_path: Path, root: Path
) -> None:
    with pytest.raises(ImportRefused) as caught:
        import_model(root, upload(tmp_path, b"MZ\x90\x00"), "setup.exe")
    with pytest.raises(ImportRefused):
        import_model(root, upload(tmp_path, _pedestal()), "scans.glb/setup.exe")
    assert caught.value.code == "MODEL_REFUSED"
    assert [f["code"] for f in caught.value.report] == ["NOT_GLTF"]
    assert files(root) == []


def _json_bomb() -> bytes:
    """A GLB whose JSON nests 100,000 arrays inside ``extras``."""
    document, blob = triangle()
    text = json.dumps(document).replace(
        '"asset": {', '"extras": ' + "[" * 100_000 + "]" * 100_000 + ', "asset": {'
    )
    padded = text.encode() + b" " * (-len(text) % 4)
    header = len(padded).to_bytes(4, "little") + b"JSON"
    body = header + padded + len(blob).to_bytes(4, "little") + b"BIN\x00" + blob
    return b"glTF" + (2).to_bytes(4, "little") + (12 + len(body)).to_bytes(4, "little") + body


def _pedestal() -> bytes:
    return (ASSETS / "pedestal.glb").read_bytes()


HOSTILE = {
    "truncated": (lambda: _pedestal()[: len(_pedestal()) // 2], "model.glb"),
    "wrong magic": (lambda: b"glTX" + _pedestal()[4:], "model.glb"),
    "json bomb": (_json_bomb, "model.glb"),
    "empty": (lambda: b"", "model.gltf"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_upload_is_refused_with_the_gates_report_and_nothing_written(
    tmp_path: Path, root: Path, case: str
) -> None:
    make, name = HOSTILE[case]
    with pytest.raises(ImportRefused) as caught:
        import_model(root, upload(tmp_path, make()), name)
    report = caught.value.report
    assert report and report[0]["severity"] == "error"
    assert all(f["code"] and f["message"] for f in report)
    assert str(caught.value).startswith(f"{name} was not imported: ")
    assert files(root) == []


def test_a_gltf_naming_files_beside_it_is_refused_as_not_self_contained(
    tmp_path: Path, root: Path
) -> None:
    path = write_gltf(tmp_path, "triangle.gltf", *triangle())
    with pytest.raises(ImportRefused) as caught:
        import_model(root, path, "triangle.gltf")
    assert caught.value.code == "GLTF_EXTERNAL_RESOURCES"
    assert caught.value.report[0]["pointer"] == "/buffers/0/uri"
    assert files(root) == []


def test_a_self_contained_gltf_is_imported_as_a_glb(tmp_path: Path, root: Path) -> None:
    import base64

    document, blob = triangle()
    encoded = base64.b64encode(blob).decode()
    document["buffers"] = [
        {"uri": f"data:application/octet-stream;base64,{encoded}", "byteLength": len(blob)}
    ]
    model = import_model(root, upload(tmp_path, json.dumps(document).encode()), "tri.gltf")
    assert model.asset == "models/tri.glb" and model.original.endswith(".gltf")
    assert np.allclose(model.bounds, [[0, 0, 0], [1, 1, 0]])


def test_an_upload_over_the_cap_is_refused_before_it_is_read(tmp_path: Path, root: Path) -> None:
    data = _pedestal()
    with pytest.raises(ImportRefused) as caught:
        import_model(
            root,
            upload(tmp_path, data),
            "pedestal.glb",
            options=ImportOptions(max_bytes=len(data) - 1),
        )
    assert caught.value.report[0]["code"] == "FILE_TOO_LARGE"
    assert files(root) == []


def test_a_model_that_draws_nothing_is_refused(tmp_path: Path, root: Path) -> None:
    document = {
        "asset": {"version": "2.0"},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [{"name": "a camera's place, no mesh"}],
    }
    empty = write_glb(document, b"")
    with pytest.raises(ImportRefused) as caught:
        import_model(root, upload(tmp_path, empty), "nothing.glb")
    assert caught.value.report[0]["code"] == "MODEL_EMPTY"
    assert files(root) == []


def test_without_optimizing_the_model_is_stored_as_uploaded(tmp_path: Path, root: Path) -> None:
    model = import_model(
        root,
        upload(tmp_path, _pedestal()),
        "pedestal.glb",
        options=ImportOptions(optimize=None),
    )
    assert [s["name"] for s in model.stats["stages"]] == ["gate", "read", "write", "check", "store"]
    assert model.stats["after"]["triangles"] == model.stats["before"]["triangles"]


@pytest.mark.parametrize(
    ("filename", "expected_slug", "expected_title"),
    [
        ("amphora_v2-final.glb", "amphora-v2-final", "Amphora v2 final"),
        ("C:\\scans\\Pièce N°3.GLB", "piece-n3", "Pièce N°3"),
        ("青铜壶.glb", "model", "青铜壶"),
        ("../../etc/passwd.glb", "passwd", "Passwd"),
        ("x" * 300 + ".glb", "x" * 56, "X" + "x" * 199),
    ],
)
def test_names_from_a_file_name(filename: str, expected_slug: str, expected_title: str) -> None:
    assert slug(filename) == expected_slug and EXHIBIT_ID.match(expected_slug)
    assert title(filename) == expected_title


needs_corpus = pytest.mark.skipif(
    not CORPUS.is_dir(), reason="../shared/corpus is absent (public glTF corpus)"
)


def _hostile_cases() -> list[str]:
    manifest = CORPUS / "hostile" / "MANIFEST.tsv"
    if not manifest.is_file():
        return []
    rows = [line.split("\t") for line in manifest.read_text().splitlines()[1:] if line]
    return [row[0] for row in rows if row[2] == "reject"]


@needs_corpus
@pytest.mark.parametrize("name", _hostile_cases())
def test_every_hostile_corpus_file_is_refused_and_nothing_written(
    tmp_path: Path, root: Path, name: str
) -> None:
    path = CORPUS / "hostile" / name
    with pytest.raises(ImportRefused) as caught:
        import_model(root, path, path.name)
    assert caught.value.report and caught.value.report[0]["severity"] == "error"
    assert files(root) == []


def test_imported_model_json_is_plain(tmp_path: Path, root: Path) -> None:
    model = import_model(root, upload(tmp_path, _pedestal()), "pedestal.glb")
    assert isinstance(model, ImportedModel)
    assert set(model.to_json()) == {
        "asset", "original", "suggested_id", "title", "report", "stats", "bounds",
    }  # fmt: skip


def test_a_progress_callback_that_raises_abandons_the_import_with_nothing_written(
    tmp_path: Path, root: Path
) -> None:
    """How a server cancels an import (the curator left): raise from ``progress``."""

    class Cancelled(Exception):
        pass

    def cancel_at_store(stage: str, fraction: float) -> None:
        if stage == "store":
            raise Cancelled

    with pytest.raises(Cancelled):
        import_model(root, upload(tmp_path, _pedestal()), "pedestal.glb", progress=cancel_at_store)
    assert files(root) == []


def test_imports_at_once_of_one_name_take_distinct_names(tmp_path: Path, root: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    path = upload(tmp_path, _pedestal())
    with ThreadPoolExecutor(4) as pool:
        models = list(pool.map(lambda _: import_model(root, path, "pedestal.glb"), range(4)))
    assets = sorted(m.asset for m in models)
    assert assets == [f"models/pedestal{s}.glb" for s in ("-2", "-3", "-4", "")]
    assert len({m.original for m in models}) == 1
    assert files(root) == sorted([*assets, models[0].original])
