"""``museion export iiif|lido``: to stdout or a file, exit 0 / 1 / 2."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from museion.tools.cli import main
from tests.conftest import ASSETS

EXAMPLE = str(ASSETS / "example.scene.json")


def test_iiif_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "iiif", EXAMPLE, "--base-url", "https://museum.example"]) == 0
    manifest = json.loads(capsys.readouterr().out)
    assert manifest["type"] == "Manifest"
    assert manifest["id"] == "https://museum.example/e/example/manifest.json"
    assert manifest["label"]["en"] == ["Hall of Chinese Antiquities"]
    assert len(manifest["items"]) == 7


def test_iiif_to_a_file_with_an_exhibition_id(tmp_path: Path) -> None:
    out = tmp_path / "deep" / "manifest.json"
    args = ["export", "iiif", EXAMPLE, "--base-url", "http://h:8080/", "--exhibition", "hall"]
    assert main([*args, "-o", str(out)]) == 0
    manifest = json.loads(out.read_text("utf-8"))
    assert manifest["homepage"][0]["id"] == "http://h:8080/e/hall/"
    assert [p.name for p in out.parent.iterdir()] == ["manifest.json"]  # no temporary left


def test_lido_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "bronze-hu.xml"
    assert main(["export", "lido", EXAMPLE, "--exhibit", "bronze-hu", "-o", str(out)]) == 0
    root = ET.fromstring(out.read_bytes())
    title = root.find(".//{http://www.lido-schema.org}appellationValue")
    assert title is not None and title.text == "青铜壶"


def test_failures_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "lido", EXAMPLE, "--exhibit", "nope"]) == 1
    assert "UNKNOWN_EXHIBIT" in capsys.readouterr().err
    broken = tmp_path / "broken.scene.json"
    broken.write_text("{")
    assert main(["export", "iiif", str(broken), "--base-url", "https://m.example"]) == 1
    assert "JSON_MALFORMED" in capsys.readouterr().err
    assert main(["export", "lido", str(tmp_path / "missing.json"), "--exhibit", "x"]) == 1
    assert "READ_FAILED" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["export", "iiif", EXAMPLE],
        ["export", "lido", EXAMPLE],
    ],
)
def test_a_missing_flag_is_a_usage_error(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert "needs --" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["export", "pdf", EXAMPLE],
        ["export", "iiif", EXAMPLE, "--base-url", "museum.example"],
        ["export"],
    ],
)
def test_bad_usage_exits_2(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
