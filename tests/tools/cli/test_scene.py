"""``museion scene validate|new|schema`` as a member of staff uses them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from museion.scenes.document.file import read_scene, save_scene
from museion.scenes.errors import SceneError
from tests.conftest import ASSETS, REPO
from tests.scenes.document.scene_examples import BROKEN, VALID, valid_bytes


def _museion(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "museion.tools.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )


def test_validate_a_good_document(tmp_path: Path) -> None:
    path = tmp_path / "hall.scene.json"
    path.write_bytes(valid_bytes())
    done = _museion("scene", "validate", str(path), "--assets", str(ASSETS))
    assert done.returncode == 0, done.stdout
    assert "valid (2 exhibits, 1 tours)" in done.stdout


def test_validate_reports_every_problem_and_json(tmp_path: Path) -> None:
    document = json.loads(valid_bytes())
    document["exhibits"][0]["metadata"]["title"]["zz"] = "?"
    document["tours"][0]["steps"][0]["exhibit"] = "ghost"
    path = tmp_path / "hall.scene.json"
    path.write_text(json.dumps(document))
    done = _museion("scene", "validate", str(path), "--assets", str(ASSETS))
    assert done.returncode == 1
    assert f"{path}:/exhibits/0/metadata/title: UNKNOWN_LANGUAGE 'zz'" in done.stdout
    assert "DANGLING_REFERENCE" in done.stdout
    report = json.loads(
        _museion("scene", "validate", str(path), "--json", "--assets", str(ASSETS)).stdout
    )
    assert report["valid"] is False
    assert {i["code"] for i in report["issues"]} == {"UNKNOWN_LANGUAGE", "DANGLING_REFERENCE"}


def test_validate_never_shows_a_traceback(tmp_path: Path) -> None:
    for name, raw, code, _ in BROKEN[:12]:
        path = tmp_path / f"{len(raw)}.json"
        path.write_bytes(raw)
        done = _museion("scene", "validate", str(path))
        assert done.returncode == 1, name
        assert code in done.stdout, (name, done.stdout)
        assert "Traceback" not in done.stderr


def test_validate_reports_a_nul_in_a_file_name_as_an_issue(tmp_path: Path) -> None:
    """Once "ValueError: embedded null byte": now an issue with its pointer, exit 1."""
    document = json.loads(valid_bytes())
    document["exhibits"][0]["asset"] = "relic\x00.glb"
    document["exhibits"][0]["hotspots"][0]["image"] = "band\x00.png"
    document["tours"][0]["steps"][0]["audio"] = {"zh": "zh\x00.ogg", "en": "en.ogg\x00"}
    path = tmp_path / "nul.scene.json"
    path.write_text(json.dumps(document))
    done = _museion("scene", "validate", str(path), "--assets", str(ASSETS))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    for pointer in (
        "/exhibits/0/asset",
        "/exhibits/0/hotspots/0/image",
        "/tours/0/steps/0/audio/zh",
        "/tours/0/steps/0/audio/en",
    ):
        assert f"{path}:{pointer}: PATH_INVALID the name contains a NUL character" in done.stdout
    report = json.loads(
        _museion("scene", "validate", str(path), "--json", "--assets", str(ASSETS)).stdout
    )
    assert report["valid"] is False
    assert {i["code"] for i in report["issues"]} == {"PATH_INVALID"}


def test_new_refuses_a_name_too_long_with_a_sentence(tmp_path: Path) -> None:
    done = _museion("scene", "new", str(tmp_path / ("x" * 300 + ".scene.json")))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "WRITE_FAILED" in done.stderr and "File name too long" in done.stderr


def test_new_does_not_replace_a_link(tmp_path: Path) -> None:
    link = tmp_path / "loop.scene.json"
    link.symlink_to(link.name)
    done = _museion("scene", "new", str(link))
    assert done.returncode == 1
    assert "FILE_EXISTS" in done.stderr
    assert link.is_symlink()


def test_usage_errors_exit_2() -> None:
    assert _museion("scene").returncode == 2
    assert _museion("scene", "validate").returncode == 2


def test_new_writes_a_valid_document_and_keeps_existing_ones(tmp_path: Path) -> None:
    path = tmp_path / "new.scene.json"
    assert _museion("scene", "new", str(path), "--languages", "en,fr").returncode == 0
    document = read_scene(path)
    assert document.default_language == "en"
    assert set(document.title) == {"en", "fr"}
    before = path.read_bytes()
    again = _museion("scene", "new", str(path))
    assert again.returncode == 1
    assert "FILE_EXISTS" in again.stderr
    assert path.read_bytes() == before
    bad = _museion("scene", "new", str(tmp_path / "bad.json"), "--languages", "zz")
    assert bad.returncode == 1
    assert "UNKNOWN_LANGUAGE" in bad.stderr
    assert not (tmp_path / "bad.json").exists()


def test_schema_is_a_valid_json_schema_that_accepts_the_example() -> None:
    done = _museion("scene", "schema")
    assert done.returncode == 0
    schema = json.loads(done.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(VALID, schema)


def test_save_is_atomic_when_writing_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "hall.scene.json"
    path.write_bytes(valid_bytes())
    document = read_scene(path)
    before = path.read_bytes()

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(SceneError) as caught:
        save_scene(document, path)
    assert caught.value.code == "WRITE_FAILED"
    assert path.read_bytes() == before  # what was saved is not lost
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hall.scene.json"]  # no temp left
