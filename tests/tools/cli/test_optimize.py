"""``museion optimize``: real sample relics in, smaller files the gate accepts out; exit
0 / 1 / 2; a summary of before and after."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from museion.scenes.gltf.decode import decode_to_glb
from museion.scenes.gltf.gate import read_gltf, validate_gltf
from museion.tools.cli import main
from tests.conftest import ASSETS, CORPUS

needs_corpus = pytest.mark.skipif(
    not CORPUS.is_dir(), reason="../shared/corpus is absent (public glTF corpus)"
)


def _optimize(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    assert main(["optimize", *argv, "--json"]) == 0
    summary: dict[str, object] = json.loads(capsys.readouterr().out)
    return summary


@pytest.mark.parametrize("compress", ["meshopt", "draco", "none"])
def test_each_compression_makes_the_relic_smaller(
    compress: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / f"relic-{compress}.glb"
    summary = _optimize(capsys, str(ASSETS / "relic.glb"), str(out), "--compress", compress)
    before, after = summary["before"], summary["after"]
    assert isinstance(before, dict) and isinstance(after, dict)
    assert after["bytes"] == out.stat().st_size < before["bytes"]
    assert after["triangles"] == before["triangles"]
    assert summary["output_valid"] is True
    assert validate_gltf(tmp_path, out.name).valid
    decoded = decode_to_glb(out)
    assert decoded is not None  # the renderer gets a plain GLB of it


@pytest.mark.parametrize("texture_format", ["webp", "ktx2", "keep"])
def test_each_texture_format(
    texture_format: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "relic.glb"
    summary = _optimize(
        capsys,
        str(ASSETS / "relic.glb"),
        str(out),
        "--texture-format",
        texture_format,
        "--texture-size",
        "256",
    )
    assert summary["output_valid"] is True
    document = read_gltf(tmp_path, out.name).document
    mimes = {image["mimeType"] for image in document["images"]}
    expected = {"webp": "image/webp", "ktx2": "image/ktx2", "keep": "image/jpeg"}
    assert expected[texture_format] in mimes
    after = summary["after"]
    assert isinstance(after, dict) and after["texture_bytes"] < 334_956


def test_simplify_and_gltf_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "relic.gltf"
    summary = _optimize(capsys, str(ASSETS / "relic.glb"), str(out), "--simplify", "0.5")
    after = summary["after"]
    assert isinstance(after, dict) and 20_000 <= after["triangles"] <= 27_500
    assert (tmp_path / "relic.bin").is_file()
    assert validate_gltf(tmp_path, out.name).valid


def test_every_sample_relic(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for path in sorted(ASSETS.glob("*.glb")):
        summary = _optimize(capsys, str(path), str(tmp_path / path.name), "--error", "0.005")
        before, after = summary["before"], summary["after"]
        assert isinstance(before, dict) and isinstance(after, dict)
        if before["triangles"] > 1000:  # a 4 KB box gains JSON for its fallback buffer
            assert after["bytes"] < before["bytes"], path.name
        assert validate_gltf(tmp_path, path.name).valid, path.name


def test_the_text_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["optimize", str(ASSETS / "pedestal.glb"), str(tmp_path / "p.glb")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("p.glb")
    assert lines[1].split()[0] == "bytes" and "->" in lines[1]
    assert any(line.split()[0] == "meshopt" for line in lines)


def test_a_refused_input_exits_1_with_its_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "escape.gltf"
    bad.write_text(json.dumps({"asset": {"version": "2.0"}, "buffers": [{"uri": "../x.bin"}]}))
    assert main(["optimize", str(bad), str(tmp_path / "out.glb")]) == 1
    assert "URI_OUTSIDE_FOLDER" in capsys.readouterr().err
    assert not (tmp_path / "out.glb").exists()
    assert main(["optimize", str(tmp_path / "missing.glb"), str(tmp_path / "out.glb")]) == 1


@pytest.mark.parametrize(
    "argv",
    [["--simplify", "2"], ["--simplify", "0.5", "--error", "0.01"], ["--compress", "zip"], []],
)
def test_usage_errors_exit_2(argv: list[str], tmp_path: Path) -> None:
    files = [str(ASSETS / "relic.glb"), str(tmp_path / "o.glb")] if argv else []
    with pytest.raises(SystemExit) as exited:
        main(["optimize", *files, *argv])
    assert exited.value.code == 2


def test_a_wrong_output_suffix_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["optimize", str(ASSETS / "pedestal.glb"), str(tmp_path / "p.obj")]) == 1
    assert "OUTPUT_SUFFIX" in capsys.readouterr().err


@needs_corpus
@pytest.mark.parametrize("compress", ["meshopt", "draco"])
@pytest.mark.parametrize(
    "name",
    [
        "WaterBottle/WaterBottle.gltf",
        "Avocado_Quantized/Avocado.gltf",
        "Fox/Fox.glb",
        "RiggedSimple_Draco/RiggedSimple.gltf",  # Draco input, decoded by the gate's decoder
    ],
)
def test_corpus_models(
    name: str, compress: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Regression: Draco over Avocado's integer (quantized) UVs once wrote them as UNSIGNED_SHORT.
    out = tmp_path / "out.glb"
    summary = _optimize(capsys, str(CORPUS / "valid" / name), str(out), "--compress", compress)
    before, after = summary["before"], summary["after"]
    assert isinstance(before, dict) and isinstance(after, dict)
    assert after["bytes"] < before["bytes"]
    assert after["triangles"] == before["triangles"]
    assert summary["output_valid"] is True
    assert decode_to_glb(out) is not None
