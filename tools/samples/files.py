"""Every sample file's name and builder, and the writer of the ``assets/`` folder.

Fixed seeds and fixed encoder settings make every run byte-identical, so the committed
files can be checked against a fresh build.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from pathlib import Path

from museion.scenes.document.file import atomic_write
from museion.tools.samples.bell import build_bell
from museion.tools.samples.bi import build_bi
from museion.tools.samples.ding import build_ding
from museion.tools.samples.hall import build_hall
from museion.tools.samples.lacquer_box import build_lacquer_box
from museion.tools.samples.meiping import build_meiping
from museion.tools.samples.pedestal import build_pedestal
from museion.tools.samples.relic import build_relic
from museion.tools.samples.stele import build_stele
from museion.tools.samples.venue import build_venue

__all__ = ["DEFAULT_OUT", "RELICS", "main", "sample_builders", "write_samples"]

logger = logging.getLogger(__name__)
DEFAULT_OUT = Path(__file__).resolve().parents[2] / "assets"

# The example exhibition's relics, each standing on its base at the origin (metres, Y up).
RELICS: dict[str, Callable[[], bytes]] = {
    "relic-meiping.glb": build_meiping,
    "relic-bi.glb": build_bi,
    "relic-ding.glb": build_ding,
    "relic-lacquer-box.glb": build_lacquer_box,
    "relic-bell.glb": build_bell,
    "relic-stele.glb": build_stele,
}


def sample_builders() -> dict[str, Callable[[], bytes]]:
    """Every sample file's name and the function that builds it, in writing order."""
    return {
        "relic.glb": build_relic,
        "venue.glb": build_venue,
        "pedestal.glb": build_pedestal,
        "hall.glb": build_hall,
        **RELICS,
    }


def write_samples(out_dir: Path) -> list[Path]:
    """Write every sample file into ``out_dir`` (atomically); return the paths."""
    written = []
    for name, build in sample_builders().items():
        data = build()
        path = out_dir / name
        atomic_write(path, data)
        logger.info("wrote %s (%d bytes)", path, len(data))
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    """``python -m museion.tools.samples [OUT_DIR]``; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m museion.tools.samples",
        description="Regenerate the sample relics, venues, pedestal and hall.",
    )
    parser.add_argument("out_dir", nargs="?", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    write_samples(args.out_dir)
    return 0
