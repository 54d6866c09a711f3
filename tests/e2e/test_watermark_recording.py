"""A visitor's stream recorded in Chromium names its session after a hostile re-encode.

As issue 19 puts a leak: a visitor records ten seconds of the gallery in the browser
(MediaRecorder on the page's own video stream), shrinks the file to half size at a low
bitrate with ffmpeg, and posts it; the operator runs ``museion watermark detect`` on it
with the day's thousand session ids and gets that visitor's.  The same recording of an
unmarked stream names nobody.
"""

from __future__ import annotations

import base64
import dataclasses
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from museion.runtime.engine import RenderEngine
from museion.streaming.server import SESSIONS_KEY
from tests.conftest import LOOPBACK, REPO, serve
from tests.e2e.browser import WAIT, browser_page

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.render,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium is not installed"),
    pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="Debian ffmpeg is not installed"),
]

KEY = "the museum's watermark key, kept on the server"
SECONDS = 10

# Ten seconds of what the page shows, as a visitor's own recorder would take it, returned
# as base64 (Playwright carries strings).
RECORD = """async (seconds) => {
  const video = document.querySelector('video');
  const recorder = new MediaRecorder(video.srcObject, {
    mimeType: 'video/webm;codecs=vp8', videoBitsPerSecond: 2500000 });
  const chunks = [];
  recorder.ondataavailable = (event) => chunks.push(event.data);
  const stopped = new Promise((resolve) => { recorder.onstop = resolve; });
  recorder.start(1000);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  recorder.stop();
  await stopped;
  const bytes = new Uint8Array(await new Blob(chunks).arrayBuffer());
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}"""


async def _recorded(engine: RenderEngine, watermark: str, folder: Path) -> tuple[Path, str]:
    """A visitor's ten seconds, recorded in Chromium and written to ``folder``, and that
    visitor's session id."""
    settings = dataclasses.replace(LOOPBACK, watermark=watermark, watermark_key=KEY)
    async with serve(engine, settings) as server, browser_page() as page:
        await page.goto(f"{server.url}/")
        await page.wait_for_function("window.museion.framesShown > 0", timeout=WAIT)
        (session,) = server.app[SESSIONS_KEY].sessions
        data = await page.evaluate(RECORD, SECONDS)
    recording = folder / f"{watermark}.webm"
    recording.write_bytes(base64.b64decode(data))
    return recording, session


def _shrunk(recording: Path) -> Path:
    """The recording at half size and 250 kbit/s H.264, as a visitor would post it."""
    out = recording.with_suffix(".small.mp4")
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-i", str(recording),
         "-vf", "scale=trunc(iw/4)*2:trunc(ih/4)*2", "-c:v", "libx264", "-b:v", "250k",
         "-an", str(out)],
        check=True, timeout=120,
    )  # fmt: skip
    return out


def _detect(video: Path, folder: Path, session: str) -> subprocess.CompletedProcess[str]:
    """``museion watermark detect`` as the operator runs it: the key file and the day's
    thousand session ids, the visitor's among them."""
    key = folder / "watermark.key"
    key.write_text(KEY + "\n", "utf-8")
    others = [secrets.token_urlsafe(16) for _ in range(999)]
    candidates = folder / "sessions.txt"
    candidates.write_text("\n".join([*others[:321], session, *others[321:]]) + "\n", "utf-8")
    return subprocess.run(
        [sys.executable, "-m", "museion.tools.cli", "watermark", "detect", str(video),
         "--key-file", str(key), "--candidates", str(candidates)],
        capture_output=True, text=True, timeout=300, cwd=REPO,
    )  # fmt: skip


def _size(video: Path) -> tuple[int, int]:
    import av

    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        return stream.codec_context.width, stream.codec_context.height


async def test_a_recording_shrunk_by_ffmpeg_names_the_visitor(
    engine: RenderEngine, tmp_path: Path
) -> None:
    recording, session = await _recorded(engine, "all", tmp_path)
    small = _shrunk(recording)
    width, height = _size(recording)
    assert _size(small) == (width // 2 // 2 * 2, height // 2 // 2 * 2)
    found = _detect(small, tmp_path, session)
    assert found.returncode == 0, found.stderr[-2000:]
    assert found.stdout.startswith(f"session {session} (score "), found.stdout


async def test_the_same_recording_of_an_unmarked_stream_names_nobody(
    engine: RenderEngine, tmp_path: Path
) -> None:
    # A showcase has no restricted exhibit, so "restricted" (the default) marks nothing.
    recording, session = await _recorded(engine, "restricted", tmp_path)
    found = _detect(_shrunk(recording), tmp_path, session)
    assert found.returncode == 1, found.stdout
    assert "no watermark found" in found.stdout + found.stderr
