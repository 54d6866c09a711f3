"""A full disk during publish (ENOSPC injected through the writer's seam, at every write in
turn): a DISK_FULL error, the live version unchanged and whole, no temporary files left."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from museion.scenes.library import Disk, DiskFull, Exhibition
from tests.scenes.library.library_fixtures import exhibition_folder, revision, revision_of


class FillingDisk(Disk):
    """A disk with room for ``room`` more write calls; after that every write is ENOSPC."""

    def __init__(self, room: int) -> None:
        self.room = room

    def write(self, fd: int, data: bytes) -> None:
        if self.room <= 0:
            # half the bytes land first, as on a real disk filling up mid-write
            os.write(fd, data[: len(data) // 2])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.room -= 1
        super().write(fd, data)


def _temporaries(root: Path) -> list[Path]:
    return list(root.rglob(".*.tmp"))


def test_a_full_disk_at_any_write_of_a_publish_leaves_the_live_version(tmp_path: Path) -> None:
    root = exhibition_folder(tmp_path / "bronzes")
    healthy = Exhibition(root)
    etag = healthy.save_draft(revision(1), None, "ada")
    live = healthy.publish("pat")
    # the next version brings a new asset, so objects, a manifest, the pointer and an audit
    # line all have to be written
    healthy.save_draft(revision(2, asset="relic-stele.glb"), etag, "ada")
    failures = 0
    for room in range(1000):
        try:
            published = Exhibition(root, disk=FillingDisk(room)).publish("pat")
        except DiskFull as exc:
            failures += 1
            assert exc.code == "DISK_FULL"
            assert "disk is full" in exc.message and "nothing live was changed" in exc.message
            assert healthy.published() == live
            healthy.check(live.id)  # every file of it hashes right
            assert revision_of(healthy.published_document().title) == 1
            assert _temporaries(root) == []
            assert [e.action for e in healthy.audit()] == ["draft", "publish", "draft"]
            continue
        break
    # whole objects a failed attempt stored stay and are reused, so each attempt gets one
    # step further: the stele, the document, the manifest, the pointer, the audit line
    assert failures >= 3
    assert published.parent == live.id
    assert healthy.published() == published
    assert revision_of(healthy.published_document().title) == 2
    assert [e.action for e in healthy.audit()] == ["draft", "publish", "draft", "publish"]


@pytest.mark.parametrize("room", [0, 1])
def test_a_full_disk_while_saving_a_draft_keeps_the_draft(tmp_path: Path, room: int) -> None:
    root = exhibition_folder(tmp_path / "bronzes")
    healthy = Exhibition(root)
    etag = healthy.save_draft(revision(1), None, "ada")
    with pytest.raises(DiskFull):
        Exhibition(root, disk=FillingDisk(room)).save_draft(revision(2), etag, "ada")
    assert healthy.etag() == etag
    assert revision_of(healthy.draft().document.title) == 1
    assert [e.who for e in healthy.audit()] == ["ada"]
    assert _temporaries(root) == []
    healthy.save_draft(revision(2), etag, "bo")
    assert [e.who for e in healthy.audit()] == ["ada", "bo"]
