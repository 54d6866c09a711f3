"""An exhibition folder with real sample assets, and numbered revisions of a valid document."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

from tests.scenes.document.scene_examples import VALID

ASSETS = Path(__file__).resolve().parents[3] / "assets"


def exhibition_folder(folder: Path) -> Path:
    """``folder`` holding the files :func:`revision` names (the venue, two relics)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ASSETS / "venue.glb", folder / "venue.glb")
    shutil.copyfile(ASSETS / "relic-bi.glb", folder / "relic.glb")
    shutil.copyfile(ASSETS / "relic-stele.glb", folder / "relic-stele.glb")
    return folder


def revision(number: int, *, asset: str = "relic.glb") -> dict[str, Any]:
    """The valid example document, its English title saying ``rev <number>``."""
    document = copy.deepcopy(VALID)
    document["title"]["en"] = f"rev {number}"
    document["exhibits"][0]["asset"] = asset
    return document


def revision_of(title: dict[str, str]) -> int:
    """The number :func:`revision` wrote into a document's title."""
    return int(title["en"].removeprefix("rev "))
