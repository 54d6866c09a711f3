"""``museion validate``: one line per issue, a JSON report, exit 0 / 1 / 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from museion.tools.cli import main
from tests.conftest import ASSETS


def test_valid_and_refused_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "escape.gltf"
    bad.write_text(
        json.dumps({"asset": {"version": "2.0"}, "buffers": [{"uri": "../x.bin", "byteLength": 4}]})
    )
    assert main(["validate", str(ASSETS / "relic.glb")]) == 0
    assert main(["validate", str(ASSETS / "relic.glb"), str(bad)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == (
        f"{bad}: error URI_OUTSIDE_FOLDER /buffers/0/uri: the URI climbs out of the glTF's folder"
    )
    assert main(["validate", "--json", str(bad)]) == 1
    (report,) = json.loads(capsys.readouterr().out)
    assert report["valid"] is False
    assert report["issues"] == [
        {
            "severity": "error",
            "code": "URI_OUTSIDE_FOLDER",
            "pointer": "/buffers/0/uri",
            "message": "the URI climbs out of the glTF's folder",
        }
    ]


def test_no_path_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as exited:
        main(["validate"])
    assert exited.value.code == 2


def test_a_missing_file_is_refused_not_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "/nonexistent/model.glb"]) == 1
    assert "NOT_FOUND" in capsys.readouterr().out


def test_folders_are_walked_and_summarised(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "good.glb").write_bytes((ASSETS / "pedestal.glb").read_bytes())
    (tmp_path / "broken.gltf").write_text("{")
    (tmp_path / "notes.txt").write_text("not a model")
    assert main(["validate", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        f"{tmp_path / 'broken.gltf'}: error INVALID_JSON the glTF JSON does not parse "
        "(Expecting property name enclosed in double quotes: line 1 column 2 (char 1))",
        f"{tmp_path / 'sub' / 'good.glb'}: valid",
    ]
    assert captured.err.splitlines()[-1] == "2 files: 1 valid, 1 invalid (1 errors, 0 warnings)"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["validate", str(empty)]) == 1  # nothing to validate is not a success
