"""``museion inspect``: aligned text, the full summary as JSON, exit 0 / 1 / 2."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from museion.scenes.gltf.gate import validate_gltf
from museion.tools.cli import main
from tests.conftest import ASSETS, CORPUS
from tests.scenes.gltf.inspect.test_summarize import truth

needs_corpus = pytest.mark.skipif(
    not CORPUS.is_dir(), reason="../shared/corpus is absent (public glTF corpus)"
)


def _row(text: str, label: str) -> list[str]:
    """The cells of the first line that starts (after indentation) with ``label``."""
    for line in text.splitlines():
        if line.strip().startswith(label):
            return line.split()
    raise AssertionError(f"no {label!r} line in:\n{text}")


def test_text_summary_of_the_relic(capsys: pytest.CaptureFixture[str]) -> None:
    expected = truth(ASSETS / "relic.glb")
    assert main(["inspect", str(ASSETS / "relic.glb")]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{ASSETS / 'relic.glb'}: GLB, ")
    assert _row(out, "triangles")[1:] == [
        f"{expected.triangles:,}",
        f"{expected.unique_triangles:,}",
    ]
    assert _row(out, "vertices")[1:] == [f"{expected.vertices:,}", f"{expected.unique_vertices:,}"]
    assert _row(out, "draw calls")[2:] == [str(expected.draw_calls)]
    assert _row(out, "relic") == ["relic", "mesh", "0", '"vessel"']  # the scene tree
    assert _row(out, "0  vessel") == ["0", "vessel", "1", "1", "50,000", f"{expected.vertices:,}"]
    material = _row(out, "0  patinated bronze")
    assert material[3:5] == ["OPAQUE", "single"]
    images = [line.split() for line in out.splitlines() if "1024x1024" in line]
    assert len(images) == 3
    assert all(cells[6:8] == ["5.3", "MiB"] for cells in images)  # 1024*1024*4 * 4/3
    assert "images (3), GPU memory ~16.0 MiB with mipmaps" in out
    assert "generator    museion sample_assets" in out


def test_json_is_the_full_summary(capsys: pytest.CaptureFixture[str]) -> None:
    path = ASSETS / "relic-ding.glb"
    expected = truth(path)
    assert main(["inspect", "--json", str(path)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"path", "report", "summary"}
    assert data["report"]["valid"] is True
    summary = data["summary"]
    assert summary["totals"]["triangles"] == expected.triangles
    assert summary["totals"]["vertices"] == expected.vertices
    assert summary["totals"]["draw_calls"] == expected.draw_calls
    for key in ("scenes", "meshes", "materials", "textures", "images", "metadata", "draw_modes"):
        assert key in summary
    assert [n["name"] for n in summary["scenes"][0]["nodes"]] == ["bowl", "legs_and_handles"]
    assert all(i["width"] == 512 and i["gpu_bytes"] > 0 for i in summary["images"])
    assert summary["extensions_used"] == []


def test_an_invalid_file_prints_its_errors_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "escape.gltf"
    document = {"asset": {"version": "2.0"}, "buffers": [{"uri": "../x.bin", "byteLength": 4}]}
    bad.write_text(json.dumps(document))
    assert main(["inspect", str(bad)]) == 1
    assert capsys.readouterr().out == (
        f"{bad}: error URI_OUTSIDE_FOLDER /buffers/0/uri: the URI climbs out of the glTF's folder\n"
    )
    assert main(["inspect", "--json", str(bad)]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["summary"] is None
    assert [i["code"] for i in data["report"]["issues"]] == ["URI_OUTSIDE_FOLDER"]
    assert main(["inspect", str(tmp_path / "missing.glb")]) == 1
    assert "NOT_FOUND" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["inspect"], ["inspect", "a.glb", "--lines", "-1"]])
def test_usage_errors_exit_2(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2


def _chain(tmp_path: Path, names: list[str]) -> Path:
    """A file of nodes in one scene, each child of the previous, the last with no mesh."""
    nodes = [{"name": name} for name in names]
    for index in range(len(nodes) - 1):
        nodes[index]["children"] = [index + 1]
    path = tmp_path / "chain.gltf"
    document = {"asset": {"version": "2.0"}, "scenes": [{"nodes": [0]}], "nodes": nodes}
    path.write_text(json.dumps(document))
    return path


def test_long_trees_are_cut_with_a_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _chain(tmp_path, [f"n{i}" for i in range(120)])
    assert main(["inspect", "--lines", "10", str(path)]) == 0
    out = capsys.readouterr().out
    assert "scene 0, 120 nodes" in out
    assert "n9" in out and "n10" not in out
    assert "  ... 110 more nodes" in out
    assert main(["inspect", "--lines", "0", str(path)]) == 0
    assert "n119" in capsys.readouterr().out


def test_names_from_the_file_cannot_drive_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _chain(tmp_path, ["\x1b[2J\x1b[31mred\x07", "x" * 500])
    assert main(["inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "?[2J?[31mred?" in out
    assert max(len(line) for line in out.splitlines()) < 200


# -- the public corpus: every file answers with a summary or the gate's errors -----------


def _corpus(*folders: str) -> Iterator[Path]:
    for folder in folders:
        if (CORPUS / folder).is_dir():
            yield from sorted((CORPUS / folder).rglob("*.gl[tb]*"))


@needs_corpus
@pytest.mark.parametrize(
    "path",
    [p for p in _corpus("valid", "edge_valid", "invalid", "hostile") if p.suffix != ".json"],
    ids=lambda p: str(p.relative_to(CORPUS)),
)
def test_every_corpus_file_is_summarised_or_refused(
    path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    valid = validate_gltf(path.parent, path.name).valid
    assert main(["inspect", "--json", str(path)]) == (0 if valid else 1)
    data = json.loads(capsys.readouterr().out)
    assert (data["summary"] is not None) is valid
    assert main(["inspect", str(path)]) == (0 if valid else 1)
    out = capsys.readouterr().out
    if valid:
        assert re.search(r"^  triangles +[\d,]+ +[\d,]+$", out, re.M), out
    else:
        assert re.search(r": error [A-Z0-9_]+ ", out), out


@needs_corpus
def test_the_corpus_valid_models_are_all_summarised() -> None:
    models = list(_corpus("valid"))
    assert len(models) >= 15
    for path in models:
        assert main(["inspect", "--json", str(path)]) == 0, path
