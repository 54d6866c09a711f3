"""The resource resolver: every escape is refused by code, and nothing outside is read."""

from __future__ import annotations

import base64
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from museion.scenes.errors import AssetRejected
from museion.scenes.gltf.uri import IMAGE_MEDIA_TYPES, DataUri, FileUri, resolve_uri

CAP = 1 << 20

ESCAPES = [
    "../secret.bin",
    "../../outside/secret.bin",
    "/etc/passwd",
    "file:///etc/passwd",
    "file:secret.bin",
    "%2e%2e/secret.bin",
    "%2E%2E%2Fsecret.bin",
    "..%2f..%2foutside/secret.bin",
    "%252e%252e%252fsecret.bin",
    "..\\secret.bin",
    "..\\..\\outside\\secret.bin",
    "C:\\Windows\\win.ini",
    "c:/windows/win.ini",
    "\\\\evil-host\\share\\x.bin",
    "//evil-host/share/x.bin",
    "\\\\?\\C:\\secret.bin",
    "http://127.0.0.1:9/x.bin",
    "https://example.org/x.bin",
    "ftp://example.org/x.bin",
    "javascript:alert(1)",
    "jar:file:///x.jar!/y",
    "/dev/zero",
    "/dev/urandom",
    "/proc/self/environ",
    "triangle.bin\x00../../etc/passwd",
    "triangle.bin%00../secret.bin",
    "sub/../../outside/secret.bin",
    "sub/../../../../../../etc/passwd",
    "./../secret.bin",
    "sub/./../../secret.bin",
    "../model/triangle.bin",
    "link.bin",
    "linkdir/passwd",
    "sub/up/secret.bin",
    "%2fetc%2fpasswd",
    "%5c%5cevil-host%5cshare%5cx.bin",
    "..%5c..%5coutside%5csecret.bin",
    ".%2e/secret.bin",
    "%2e./secret.bin",
    "sub%2f..%2f..%2fsecret.bin",
    "%c0%ae%c0%ae/secret.bin",
    "....//secret.bin",
    " ../secret.bin",
    "",
    ".",
    "sub",
    "fifo",
    "data:application/octet-stream;base64,!!!!",
    "data:application/octet-stream;base64,AAA",
    "data:text/html;base64,PGgxPg==",
    "data:application/octet-stream",
]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """assets/model/ holds the glTF's files; outside/ and the parent hold secrets."""
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.bin").write_bytes(b"secret")
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "secret.bin").write_bytes(b"secret")
    model = tmp_path / "assets" / "model"
    (model / "sub").mkdir(parents=True)
    (model / "sub dir").mkdir()
    (model / "triangle.bin").write_bytes(b"\x00" * 68)
    (model / "sub" / "inner.bin").write_bytes(b"\x01" * 12)
    (model / "sub dir" / "x.bin").write_bytes(b"\x02" * 4)
    (model / "link.bin").symlink_to(tmp_path / "outside" / "secret.bin")
    (model / "linkdir").symlink_to("/etc")
    (model / "sub" / "up").symlink_to(tmp_path / "assets")
    os.mkfifo(model / "fifo")
    return model


@pytest.fixture
def opened() -> Iterator[list[str]]:
    """Every path Python opens while the test runs (an audit hook: opens cannot hide)."""
    seen: list[str] = []
    active = [True]

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if active[0] and event == "open" and isinstance(args[0], str | bytes | os.PathLike):
            seen.append(os.fsdecode(args[0]))

    sys.addaudithook(hook)
    yield seen
    active[0] = False


def test_the_audit_hook_sees_opens(folder: Path, opened: list[str]) -> None:
    (folder / "triangle.bin").open("rb").close()
    assert any(p.endswith("triangle.bin") for p in opened)


def test_there_are_at_least_forty_escape_variants() -> None:
    assert len(set(ESCAPES)) >= 40


@pytest.mark.parametrize("uri", ESCAPES, ids=[repr(u)[1:-1][:40] for u in ESCAPES])
def test_every_escape_is_refused_and_nothing_is_read(
    folder: Path, opened: list[str], uri: str
) -> None:
    with pytest.raises(AssetRejected) as refused:
        resolve_uri(uri, folder, "/buffers/0/uri", max_bytes=CAP)
    assert refused.value.code.startswith("URI_"), refused.value.code
    assert refused.value.path == "/buffers/0/uri"
    assert not [p for p in opened if "secret" in p or p.startswith(("/etc", "/dev", "/proc"))]


@pytest.mark.parametrize(
    ("uri", "size"),
    [
        ("triangle.bin", 68),
        ("sub/inner.bin", 12),
        ("sub%20dir/x.bin", 4),
        ("sub/../triangle.bin", 68),
    ],
)
def test_relative_files_inside_the_folder_resolve(folder: Path, uri: str, size: int) -> None:
    found = resolve_uri(uri, folder, "/buffers/0/uri", max_bytes=CAP)
    assert isinstance(found, FileUri) and found.size == size
    assert found.path.is_relative_to(folder.resolve())


def test_data_uris_decode_within_their_cap_and_type(folder: Path) -> None:
    payload = base64.b64encode(b"\x00" * 36).decode()
    found = resolve_uri(
        f"data:application/octet-stream;base64,{payload}", folder, "/b", max_bytes=CAP
    )
    assert isinstance(found, DataUri) and found.data == b"\x00" * 36
    png = resolve_uri(
        f"data:image/png;base64,{payload}",
        folder,
        "/images/0/uri",
        media_types=IMAGE_MEDIA_TYPES,
        max_bytes=CAP,
    )
    assert isinstance(png, DataUri) and png.media_type == "image/png"
    with pytest.raises(AssetRejected) as refused:
        resolve_uri(f"data:application/octet-stream;base64,{payload}", folder, "/b", max_bytes=8)
    assert refused.value.code == "URI_DATA_TOO_LARGE"


def test_a_file_over_the_cap_is_refused_before_it_is_read(folder: Path) -> None:
    with pytest.raises(AssetRejected) as refused:
        resolve_uri("triangle.bin", folder, "/b", max_bytes=10)
    assert refused.value.code == "URI_FILE_TOO_LARGE"
