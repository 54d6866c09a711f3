"""``museion preview``: a PNG thumbnail and an H.264 turntable a browser plays, written
whole or not at all."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from museion.tools.cli import main
from museion.tools.cli.preview import write_mp4
from tests.conftest import ASSETS, CORPUS, centre_patch, is_bronze

pytestmark = pytest.mark.render

needs_corpus = pytest.mark.skipif(
    not CORPUS.is_dir(), reason="../shared/corpus is absent (public glTF corpus)"
)


@pytest.fixture(autouse=True)
def model_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's default model cache lives under XDG_CACHE_HOME: one of this test run."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "xdg-cache"))


def _decode(path: Path) -> tuple[list[np.ndarray], av.video.stream.VideoStream]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(stream)]
        return frames, stream


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def test_thumbnail_and_turntable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    thumb, video = tmp_path / "thumb.png", tmp_path / "turn.mp4"
    argv = ["preview", str(ASSETS / "relic.glb"), "-o", str(thumb), "--size", "160x120"]
    argv += ["--turntable", str(video), "--seconds", "1.5", "--fps", "12"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert f"wrote {thumb} (160x120)" in out
    assert f"wrote {video} (18 frames, 1.5 s at 12 fps)" in out
    with Image.open(thumb) as picture:
        assert (picture.format, picture.size, picture.mode) == ("PNG", (160, 120), "RGB")
        pixels = np.asarray(picture)
    assert is_bronze(centre_patch(pixels))  # the relic in the middle
    frames, stream = _decode(video)
    assert stream.codec_context.name == "h264"
    assert stream.codec_context.pix_fmt == "yuv420p"
    assert len(frames) == 18
    assert all(f.shape == (120, 160, 3) for f in frames)

    def change(a: np.ndarray, b: np.ndarray) -> float:
        return float(np.abs(a.astype(int) - b.astype(int)).mean())

    steps = [change(a, b) for a, b in itertools.pairwise(frames)]
    assert min(steps) > 0.3  # it turns
    from_first = [change(frames[0], f) for f in frames]
    assert max(from_first) > 2.5 * from_first[1]
    assert from_first[-1] <= 1.4 * from_first[1]  # back where it started: one full turn
    raw = video.read_bytes()
    assert raw.find(b"moov") < raw.find(b"mdat")  # faststart: playable while it downloads
    assert _leftovers(tmp_path) == []


def test_an_invalid_file_exits_1_with_its_codes_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "escape.gltf"
    document = {"asset": {"version": "2.0"}, "buffers": [{"uri": "../x.bin", "byteLength": 4}]}
    bad.write_text(json.dumps(document))
    thumb, video = tmp_path / "thumb.png", tmp_path / "turn.mp4"
    assert main(["preview", str(bad), "-o", str(thumb), "--turntable", str(video)]) == 1
    err = capsys.readouterr().err
    assert f"museion: {bad}: URI_OUTSIDE_FOLDER /buffers/0/uri: " in err
    assert "Traceback" not in err
    assert not thumb.exists() and not video.exists()
    assert _leftovers(tmp_path) == []


def test_an_unwritable_destination_exits_1_and_leaves_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "no-such-folder" / "thumb.png"
    assert main(["preview", str(ASSETS / "relic.glb"), "-o", str(target), "--size", "32x32"]) == 1
    assert "OUTPUT_UNWRITABLE" in capsys.readouterr().err
    assert not target.parent.exists()


def test_a_folder_where_the_thumbnail_should_go_exits_1_with_a_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The rename onto a folder failed after rendering: once a traceback."""
    target = tmp_path / "thumb.png"
    target.mkdir()
    assert main(["preview", str(ASSETS / "relic.glb"), "-o", str(target), "--size", "32x32"]) == 1
    err = capsys.readouterr().err
    assert f"museion: OUTPUT_UNWRITABLE: {target}: cannot write there (Is a directory)" in err
    assert target.is_dir() and list(target.iterdir()) == []
    assert _leftovers(tmp_path) == []


def test_a_failure_while_encoding_leaves_the_old_file_untouched(tmp_path: Path) -> None:
    video = tmp_path / "turn.mp4"
    video.write_bytes(b"the previous video")

    def frames() -> Iterator[np.ndarray]:
        for index in range(3):
            yield np.full((32, 32, 3), index * 60, np.uint8)
        raise RuntimeError("the renderer stopped")

    with pytest.raises(RuntimeError):
        write_mp4(frames(), video, (32, 32), 10)
    assert video.read_bytes() == b"the previous video"
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize(
    "extra",
    [
        ["--size", "big"],
        ["--size", "8x8"],
        ["--fps", "0"],
        ["--seconds", "-1"],
    ],
)
def test_bad_flags_are_usage_errors(tmp_path: Path, extra: list[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["preview", str(ASSETS / "relic.glb"), "-o", str(tmp_path / "t.png"), *extra])
    assert exited.value.code == 2


@pytest.mark.parametrize(
    "extra",
    [
        ["-o", "thumb.jpg"],
        ["-o", "t.png", "--turntable", "turn.webm"],
        ["-o", "t.png", "--turntable", "turn.mp4", "--size", "161x120"],
    ],
)
def test_outputs_it_cannot_write_are_usage_errors(
    tmp_path: Path, extra: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["preview", str(ASSETS / "relic.glb")]
    argv += [
        str(tmp_path / a) if a.endswith((".jpg", ".png", ".webm", ".mp4")) else a for a in extra
    ]
    assert main(argv) == 2
    assert "museion preview: error: " in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_no_output_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as exited:
        main(["preview", str(ASSETS / "relic.glb")])
    assert exited.value.code == 2


@needs_corpus
def test_a_textured_corpus_model(tmp_path: Path) -> None:
    path = CORPUS / "valid" / "CesiumMilkTruck" / "CesiumMilkTruck.gltf"
    thumb = tmp_path / "truck.png"
    assert main(["preview", str(path), "-o", str(thumb), "--size", "128x96"]) == 0
    with Image.open(thumb) as picture:
        pixels = np.asarray(picture).astype(int)
    assert pixels.shape == (96, 128, 3)
    # The truck's texture gives it its colours: white body, dark green windows, a logo.
    assert len({tuple(p // 16) for p in pixels.reshape(-1, 3)}) > 40
