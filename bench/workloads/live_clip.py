"""The live benches' show: the relay baseline's 4K30 12 Mbps H.264 clip, made once."""

from __future__ import annotations

import subprocess
from pathlib import Path

__all__ = ["CLIP", "make_clip"]

WORK = Path(__file__).resolve().parents[2] / "build" / "bench" / "relay"
CLIP = WORK / "clip.ts"


def make_clip() -> Path:
    """The baseline's clip, made once (about 30 s of libx264 on this box)."""
    if CLIP.exists():
        return CLIP
    WORK.mkdir(parents=True, exist_ok=True)
    partial = CLIP.with_suffix(".part.ts")
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
         "-i", "testsrc2=size=3840x2160:rate=30", "-vf", "noise=alls=12:allf=t", "-t", "20",
         "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency",
         "-profile:v", "baseline", "-level", "5.1", "-b:v", "12M", "-minrate", "12M",
         "-maxrate", "12M", "-bufsize", "6M",
         "-x264-params", "nal-hrd=cbr:keyint=60:min-keyint=60:scenecut=0",
         "-pix_fmt", "yuv420p", "-f", "mpegts", str(partial)],
        check=True,
    )  # fmt: skip
    partial.rename(CLIP)
    return CLIP
