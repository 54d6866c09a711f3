"""``museion watermark detect``: a recording file in, the session (exit 0) or "no
watermark found" (exit 1) out."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import av
import numpy as np
import pytest

from museion.streaming.watermark import Watermark
from museion.tools.cli import main
from tests.streaming.watermark.pictures import clip

KEY = "a-museum-watermark-key-of-32-chars"
SESSIONS = [f"visitor-{i:04d}" for i in range(1000)]


def _record(path: Path, frames: Iterable[np.ndarray]) -> Path:
    """Frames written as a half-size H.264 MP4 at 150 kbit/s, as a screen recorder might."""
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 320, 180, "yuv420p"
        stream.bit_rate = 150_000
        for frame in frames:
            picture = av.VideoFrame.from_ndarray(frame, format="rgb24")
            for packet in stream.encode(picture.reformat(width=320, height=180)):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    key = tmp_path / "watermark.key"
    key.write_text(KEY + "\n", "utf-8")
    candidates = tmp_path / "sessions.txt"
    candidates.write_text("# today's visitors\n" + "\n".join(SESSIONS) + "\n\n", "utf-8")
    log = tmp_path / "server.log"
    log.write_text(
        "".join(
            f"2026-12-07 10:00:{i % 60:02d} INFO museion.streaming.server: "
            f"session {s} created (1 live)\n"
            for i, s in enumerate(SESSIONS)
        ),
        "utf-8",
    )
    mark = Watermark(KEY.encode(), SESSIONS[42], 640, 360, 3.0)
    marked = _record(tmp_path / "marked.mp4", (mark.apply(f) for f in clip(31, 90)))
    plain = _record(tmp_path / "plain.mp4", clip(32, 90))
    return {"key": key, "candidates": candidates, "log": log, "marked": marked, "plain": plain}


def test_names_the_session_from_a_candidates_file(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["watermark", "detect", str(files["marked"]), "--key-file", str(files["key"])]
    assert main([*args, "--candidates", str(files["candidates"]), "--fps", "30"]) == 0
    assert capsys.readouterr().out.startswith("session visitor-0042 (")


def test_names_the_session_from_a_server_log(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["watermark", "detect", str(files["marked"]), "--key-file", str(files["key"])]
    assert main([*args, "--sessions-log", str(files["log"]), "--fps", "30"]) == 0
    assert capsys.readouterr().out.startswith("session visitor-0042 (")


def test_an_unmarked_video_says_so(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["watermark", "detect", str(files["plain"]), "--key-file", str(files["key"])]
    assert main([*args, "--candidates", str(files["candidates"])]) == 1
    out = capsys.readouterr().out
    assert out.startswith("no watermark found (") and "visitor-" not in out


def test_a_file_that_is_not_a_video(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["watermark", "detect", str(files["log"]), "--key-file", str(files["key"])]
    assert main([*args, "--candidates", str(files["candidates"])]) == 1
    assert "VIDEO_UNREADABLE" in capsys.readouterr().err


def test_empty_key_or_candidates(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty"
    empty.write_text("\n", "utf-8")
    detect = ["watermark", "detect", str(files["marked"])]
    assert main([*detect, "--key-file", str(empty), "--candidates", str(files["candidates"])]) == 1
    assert "WATERMARK_KEY_EMPTY" in capsys.readouterr().err
    assert main([*detect, "--key-file", str(files["key"]), "--sessions-log", str(empty)]) == 1
    assert "WATERMARK_NO_CANDIDATES" in capsys.readouterr().err


def test_usage_errors() -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["watermark", "detect", "v.mp4", "--key-file", "k"])  # no candidates
    assert exit_.value.code == 2
    args = ["watermark", "detect", "v.mp4", "--key-file", "k", "--candidates", "c"]
    assert main([*args, "--max-frames", "0"]) == 2
