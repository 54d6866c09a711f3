"""Publishes onto a nearly full small filesystem and prints what happened as one JSON line
(the real-disk half of the DISK_FULL test; the test mounts the filesystem).

Run as ``python -m tests.scenes.library.full_disk_worker FOLDER SPARE_BYTES``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from museion.scenes.library import Exhibition, LibraryError
from tests.scenes.library.library_fixtures import exhibition_folder, revision, revision_of


def _fill(filler: Path, spare: int) -> None:
    """Take all but ``spare`` bytes of the filesystem ``filler`` is on."""
    stat = os.statvfs(filler.parent)
    room = stat.f_bavail * stat.f_frsize - spare
    with filler.open("wb") as handle:
        while room > 0:
            chunk = min(room, 1 << 20)
            handle.write(b"\0" * chunk)
            room -= chunk


def main(mount: Path, spare: int) -> dict[str, Any]:
    root = exhibition_folder(mount / "bronzes")
    exhibition = Exhibition(root)
    etag = exhibition.save_draft(revision(1), None, "ada")
    live = exhibition.publish("pat")
    exhibition.save_draft(revision(2, asset="relic-stele.glb"), etag, "ada")
    _fill(mount / "filler", spare)
    result: dict[str, Any] = {"code": None}
    try:
        exhibition.publish("pat")
    except LibraryError as exc:
        result.update(code=exc.code, message=exc.message)
    whole = exhibition.published()
    result["live_unchanged"] = whole is not None and whole.id == live.id
    exhibition.check(live.id)  # every file of it hashes right, or VERSION_CORRUPT
    result["live_revision"] = revision_of(exhibition.published_document().title)
    result["temporaries"] = [str(p) for p in root.rglob(".*.tmp")]
    result["audit"] = [e.action for e in exhibition.audit()]
    (mount / "filler").unlink()
    result["then"] = revision_of(exhibition.document(exhibition.publish("pat").id).title)
    return result


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]), int(sys.argv[2]))))  # noqa: T201 - the report
