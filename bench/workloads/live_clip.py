"""The live benches' shows, made once: the relay baseline's 4K30 12 Mbps H.264 clip, and
smaller ones made the same way (a 720p show for the docent bench's reference)."""

from __future__ import annotations

import subprocess
from pathlib import Path

__all__ = ["CLIP", "make_clip"]

WORK = Path(__file__).resolve().parents[2] / "build" / "bench" / "relay"
CLIP = WORK / "clip.ts"


def make_clip(
    size: str = "3840x2160", bitrate: str = "12M", buffer: str = "6M", level: str = "5.1"
) -> Path:
    """A 20 s constant-bitrate H.264 clip of ``size`` (the baseline's by default: about 30 s
    of libx264 on this box), made once."""
    path = CLIP if size == "3840x2160" else WORK / f"clip-{size}-{bitrate}.ts"
    if path.exists():
        return path
    WORK.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part.ts")
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
         "-i", f"testsrc2=size={size}:rate=30", "-vf", "noise=alls=12:allf=t", "-t", "20",
         "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency",
         "-profile:v", "baseline", "-level", level, "-b:v", bitrate, "-minrate", bitrate,
         "-maxrate", bitrate, "-bufsize", buffer,
         "-x264-params", "nal-hrd=cbr:keyint=60:min-keyint=60:scenecut=0",
         "-pix_fmt", "yuv420p", "-f", "mpegts", str(partial)],
        check=True,
    )  # fmt: skip
    partial.rename(path)
    return path
