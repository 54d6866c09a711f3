"""What a live show on a stage screen costs: decode and scale, ours vs ffmpeg doing the same.

The relay bench's 4K30 12 Mbps H.264 clip is fed, at its own pace (30 frames a second), to a
stage screen in a small venue with a visitor looking at it: our feed decodes every frame,
scales it to the screen's 640x360 texture and hands 15 pictures a second to the engine.  The
reference is ffmpeg decoding the same file at the same pace and scaling every frame to
640x360 (``ffmpeg -re -i clip.ts -vf scale=640:360 -f null -``).  CPU is the process's own
(all threads) over the wall time: cores.

.venv/bin/python bench/stage.py
"""

from __future__ import annotations

import json
import logging
import resource
import subprocess
import sys
import time
from pathlib import Path

import av

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from instruments.proc_stats import own_cpu
from instruments.table import Row
from workloads.live_clip import make_clip

from museion.runtime.camera import view_from_pose
from museion.runtime.engine import RenderEngine
from museion.runtime.settings import RuntimeSettings
from museion.scenes.checked_scene import check_scene
from museion.scenes.document.loader import load_scene
from museion.streaming.live.stage_feed import stage_feeds
from museion.streaming.live.stream import EncodedFrame, LiveStream, is_keyframe

ASSETS = Path(__file__).resolve().parents[1] / "assets"
SECONDS = 15.0
SCENE = {
    "format": "museion.scene", "version": 2, "default_language": "en",
    "title": {"en": "Stage"}, "venue": "venue.glb", "exhibits": [],
    "stage_screens": [{"id": "main", "name": {"en": "Screen"}, "position": [0, 1.6, -1.5],
                       "width": 1.6, "height": 0.9, "stream": "show"}],
}  # fmt: skip


def ours(clip: Path) -> dict[str, float]:
    """Cores our stage feed used for ``SECONDS`` of the clip, and pictures shown a second."""
    document = load_scene(json.dumps(SCENE).encode(), asset_root=ASSETS)
    engine = RenderEngine(check_scene(document, ASSETS), RuntimeSettings(asset_root=ASSETS))
    source = engine.open_view(640, 360, preview=False)
    facing = view_from_pose((0.0, 1.6, 1.0), (0.0, 1.6, -1.5))
    (feed,) = stage_feeds(engine, fps=15)
    stream = LiveStream("show")
    stream.start("H264", None)
    feed.attach(stream)
    frames = 0
    with av.open(str(clip)) as container:
        packets = [bytes(p) for p in container.demux(video=0) if p.size]
    start, cpu = time.monotonic(), own_cpu()
    while time.monotonic() - start < SECONDS:
        data = packets[frames % len(packets)]
        due = start + frames / 30
        time.sleep(max(0.0, due - time.monotonic()))
        stream.publish(EncodedFrame(data, frames * 3000, is_keyframe("H264", data)))
        frames += 1
    wall, used = time.monotonic() - start, own_cpu() - cpu
    source.frame(facing)
    stream.stop("end")
    feed.close()
    source.close()
    engine.close()
    return {"cores": used / wall, "shown_fps": feed.shown / wall, "decoded": feed.decoded}


def reference(clip: Path) -> dict[str, float]:
    """Cores ffmpeg used decoding and scaling the clip at its own pace for ``SECONDS``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1",
         "-i", str(clip), "-t", str(SECONDS), "-vf", "scale=640:360", "-f", "null", "-"],
        check=True,
    )  # fmt: skip
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"cores": used / wall}


def run() -> list[Row]:
    """The rows for bench/run.py."""
    clip = make_clip()
    theirs = reference(clip)
    mine = ours(clip)
    return [
        (
            "stage screen: 4K30 12 Mbps show, decode+scale (cores)",
            f"{mine['cores']:.2f}",
            f"{theirs['cores']:.2f} ffmpeg -re scale",
            f"{mine['cores'] / theirs['cores']:.2f}",
        ),
        ("  pictures on the screen a second", f"{mine['shown_fps']:.1f}", "15 asked", ""),
    ]


def main() -> int:
    logging.basicConfig(level=logging.WARNING)
    for row in run():
        sys.stdout.write(f"{row[0]:55}  {row[1]:>6}  {row[2]:>22}  {row[3]:>6}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
