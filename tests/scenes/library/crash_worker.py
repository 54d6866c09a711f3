"""Saves and publishes revisions of one exhibition until it is killed (the SIGKILL test's
victim).  Prints ``ready`` once imported, then ``saved N`` / ``published N`` after each call
returns, so the test knows what was acknowledged before the kill.

Run as ``python -m tests.scenes.library.crash_worker FOLDER`` from the repository root.
"""

from __future__ import annotations

import sys
from pathlib import Path

from museion.scenes.errors import LibraryError
from museion.scenes.library import Exhibition
from tests.scenes.library.library_fixtures import revision, revision_of


def main(root: Path) -> None:
    exhibition = Exhibition(root)
    out = sys.stdout
    out.write("ready\n")
    out.flush()
    while True:
        try:
            draft = exhibition.draft()
            etag: str | None = draft.etag
            number = revision_of(draft.document.title) + 1
        except LibraryError:
            etag, number = None, 1
        asset = "relic-stele.glb" if number % 3 == 0 else "relic.glb"
        exhibition.save_draft(revision(number, asset=asset), etag, "worker")
        out.write(f"saved {number}\n")
        out.flush()
        exhibition.publish("worker")
        out.write(f"published {number}\n")
        out.flush()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
