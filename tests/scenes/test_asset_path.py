"""The shared path policy: whatever the file system answers becomes a refusal with a code."""

from __future__ import annotations

from pathlib import Path

import pytest

from museion.scenes.asset_path import ASSET_CODES, URI_CODES, find_file
from museion.scenes.errors import AssetRejected


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """An asset root with one good file and every kind of path that cannot be opened."""
    (tmp_path / "good.glb").write_bytes(b"glTF")
    (tmp_path / "self.glb").symlink_to("self.glb")
    (tmp_path / "a.glb").symlink_to("b.glb")
    (tmp_path / "b.glb").symlink_to("a.glb")
    (tmp_path / "dangling.glb").symlink_to("nothing.glb")
    (tmp_path / "folder.glb").mkdir()
    (tmp_path / "loopdir").symlink_to("loopdir")
    return tmp_path


@pytest.mark.parametrize(
    ("name", "code", "words"),
    [
        ("self.glb", "PATH_INVALID", "symbolic links form a loop"),
        ("a.glb", "PATH_INVALID", "symbolic links form a loop"),
        ("loopdir/x.glb", "PATH_INVALID", "symbolic links form a loop"),
        ("dangling.glb", "NOT_FOUND", "is a link to a file that does not exist"),
        ("missing.glb", "NOT_FOUND", "no file 'missing.glb' in the asset root"),
        ("good.glb/x.glb", "NOT_FOUND", "no file"),
        ("folder.glb", "NOT_A_FILE", "is a folder, not a file"),
        ("x" * 300 + ".glb", "PATH_INVALID", "file name too long"),
        ("a\x00.glb", "PATH_INVALID", "NUL character"),
        ("", "PATH_INVALID", "empty"),
        ("../good.glb", "URI_OUTSIDE_ROOT", "climbs out of the asset root"),
        ("/etc/passwd", "PATH_ABSOLUTE", "absolute"),
        ("C:\\relic.glb", "PATH_ABSOLUTE", "absolute"),
        ("\\\\host\\share\\relic.glb", "PATH_ABSOLUTE", "network paths"),
    ],
)
def test_every_path_that_cannot_be_opened_is_a_refusal(
    root: Path, name: str, code: str, words: str
) -> None:
    with pytest.raises(AssetRejected) as refused:
        find_file(root, name, "/exhibits/0/asset")
    assert refused.value.code == code
    assert words in refused.value.detail
    assert refused.value.path == "/exhibits/0/asset"


def test_glTF_uris_report_the_same_policy_in_their_own_codes(root: Path) -> None:
    with pytest.raises(AssetRejected) as refused:
        find_file(root, ("self.glb",), "/buffers/0/uri", URI_CODES)
    assert refused.value.code == "URI_INVALID"
    with pytest.raises(AssetRejected) as refused:
        find_file(root, ("folder.glb",), "/buffers/0/uri", URI_CODES)
    assert refused.value.code == "URI_NOT_A_FILE"


def test_a_file_that_goes_away_before_it_is_read_is_a_refusal(root: Path) -> None:
    found = find_file(root, "good.glb", "good.glb", ASSET_CODES)
    assert found.read() == b"glTF" and found.size == 4
    (root / "good.glb").unlink()
    with pytest.raises(AssetRejected) as refused:
        found.read()
    assert refused.value.code == "FILE_UNREADABLE"
    assert refused.value.detail == "the file cannot be read: no such file or directory"


def test_a_folder_that_loops_is_named_as_the_folder(tmp_path: Path) -> None:
    (tmp_path / "root").symlink_to("root")
    with pytest.raises(AssetRejected) as refused:
        find_file(tmp_path / "root", "relic.glb", "relic.glb")
    assert refused.value.code == "PATH_INVALID"
    assert refused.value.detail == (
        f"the folder {str(tmp_path / 'root')!r} cannot be used: its symbolic links form a loop"
    )
    with pytest.raises(AssetRejected) as refused:
        find_file(tmp_path / "gone", "relic.glb", "relic.glb")
    assert refused.value.code == "NOT_FOUND"
    assert "no such file or directory" in refused.value.detail
