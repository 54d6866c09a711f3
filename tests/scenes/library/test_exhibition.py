"""Drafts with ETags, publishing, versions, restore, diff and the audit trail, on real files."""

from __future__ import annotations

import hashlib
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jsonpatch
import pytest

from museion.scenes.checked_scene import open_scene
from museion.scenes.document.file import dump_scene
from museion.scenes.document.loader import load_scene
from museion.scenes.errors import SceneInvalid
from museion.scenes.library import DraftChanged, Exhibition, LibraryError
from tests.gltf_fixtures import solid_png, triangle, write_gltf
from tests.scenes.library.library_fixtures import exhibition_folder, revision, revision_of


@pytest.fixture
def exhibition(tmp_path: Path) -> Exhibition:
    return Exhibition(exhibition_folder(tmp_path / "bronzes"))


def test_draft_is_saved_canonically_with_the_hash_of_its_bytes_as_etag(
    exhibition: Exhibition,
) -> None:
    assert exhibition.etag() is None
    etag = exhibition.save_draft(revision(1), None, "ada")
    raw = (exhibition.root / "draft.scene.json").read_bytes()
    assert raw == dump_scene(load_scene(json.dumps(revision(1)).encode()))
    assert etag == hashlib.sha256(raw).hexdigest() == exhibition.etag()
    assert revision_of(exhibition.draft().document.title) == 1


def test_a_stale_if_match_is_refused_and_the_draft_is_kept(exhibition: Exhibition) -> None:
    first = exhibition.save_draft(revision(1), None, "ada")
    second = exhibition.save_draft(revision(2), first, "bo")
    with pytest.raises(DraftChanged) as caught:
        exhibition.save_draft(revision(3), first, "ada")  # ada still holds the first ETag
    assert caught.value.code == "DRAFT_CHANGED"
    assert caught.value.current == second
    with pytest.raises(DraftChanged):
        exhibition.save_draft(revision(3), None, "ada")  # "create" when one exists
    assert revision_of(exhibition.draft().document.title) == 2
    assert [e.who for e in exhibition.audit()] == ["ada", "bo"]


def test_an_invalid_document_leaves_the_draft_and_the_log_unchanged(
    exhibition: Exhibition,
) -> None:
    etag = exhibition.save_draft(revision(1), None, "ada")
    broken = revision(2)
    del broken["venue"]
    with pytest.raises(SceneInvalid):
        exhibition.save_draft(broken, etag, "ada")
    assert exhibition.etag() == etag
    assert len(exhibition.audit()) == 1


def test_each_audit_patch_turns_the_previous_draft_into_the_next(exhibition: Exhibition) -> None:
    etag = None
    drafts: list[dict[str, object]] = [{}]
    for number in range(1, 4):
        etag = exhibition.save_draft(revision(number), etag, f"curator{number}")
        drafts.append(json.loads(exhibition.draft().raw))
    entries = exhibition.audit()
    assert [e.action for e in entries] == ["draft"] * 3
    assert len(drafts) == len(entries) + 1
    for before, after, entry in zip(drafts, drafts[1:], entries, strict=False):
        assert jsonpatch.apply_patch(before, entry.patch) == after
        assert entry.when.endswith("+00:00")
    assert entries[1].patch == [{"op": "replace", "path": "/title/en", "value": "rev 2"}]


def test_saving_the_same_bytes_again_is_no_change(exhibition: Exhibition) -> None:
    etag = exhibition.save_draft(revision(1), None, "ada")
    assert exhibition.save_draft(revision(1), etag, "ada") == etag
    assert len(exhibition.audit()) == 1


def test_a_torn_last_audit_line_is_skipped_and_later_entries_still_read(
    exhibition: Exhibition,
) -> None:
    etag = exhibition.save_draft(revision(1), None, "ada")
    with (exhibition.root / "audit.jsonl").open("ab") as log:
        log.write(b'{"action":"draft","who":"bo","wh')  # a kill mid-append
    assert [e.who for e in exhibition.audit()] == ["ada"]
    exhibition.save_draft(revision(2), etag, "cy")
    assert [e.who for e in exhibition.audit()] == ["ada", "cy"]


def test_publish_makes_a_content_addressed_version_and_moves_the_pointer(
    exhibition: Exhibition,
) -> None:
    etag = exhibition.save_draft(revision(1), None, "ada")
    first = exhibition.publish("pat")
    assert exhibition.published() == first
    assert (exhibition.root / "published").read_text().strip() == first.id
    assert revision_of(exhibition.published_document().title) == 1
    assert set(first.files) == {"venue.glb", "relic.glb"}
    relic = (exhibition.root / "relic.glb").read_bytes()
    assert first.files["relic.glb"] == hashlib.sha256(relic).hexdigest()
    assert first.summary == "first version" and first.published_by == "pat"

    exhibition.save_draft(revision(2, asset="relic-stele.glb"), etag, "ada")
    second = exhibition.publish("pat")
    assert second.id != first.id and second.parent == first.id
    assert second.summary.startswith("2 changes: ")
    assert "/title/en" in second.summary and "/exhibits/0/asset" in second.summary
    assert set(second.files) == {"venue.glb", "relic.glb", "relic-stele.glb"}  # the lid
    # the venue is stored once although both versions name it
    assert len(list((exhibition.root / "objects").glob("*/*"))) == 5


def test_publishing_the_same_content_twice_gives_the_same_version(
    exhibition: Exhibition,
) -> None:
    etag = exhibition.save_draft(revision(1), None, "ada")
    first = exhibition.publish("pat")
    etag = exhibition.save_draft(revision(2), etag, "ada")
    exhibition.publish("pat")
    exhibition.save_draft(revision(1), etag, "ada")
    again = exhibition.publish("sam")
    assert again == first  # who and when of the first publish are kept
    assert len(exhibition.versions()) == 2
    assert exhibition.published() == first


def test_restore_moves_the_pointer_back_in_one_step_and_is_audited(
    exhibition: Exhibition,
) -> None:
    etag = exhibition.save_draft(revision(1), None, "ada")
    first = exhibition.publish("pat")
    exhibition.save_draft(revision(2), etag, "ada")
    second = exhibition.publish("pat")
    assert exhibition.restore(first.id, "rex") == first
    assert exhibition.published() == first
    assert revision_of(exhibition.published_document().title) == 1
    assert revision_of(exhibition.draft().document.title) == 2  # the draft is left alone
    last = exhibition.audit()[-1]
    assert (last.action, last.who, last.version) == ("restore", "rex", first.id)
    assert last.patch == [{"op": "replace", "path": "/title/en", "value": "rev 1"}]
    assert [v.id for v in exhibition.versions()] == [first.id, second.id]


def test_diff_gives_the_json_patch_between_two_versions(exhibition: Exhibition) -> None:
    etag = exhibition.save_draft(revision(1), None, "ada")
    first = exhibition.publish("pat")
    exhibition.save_draft(revision(2, asset="relic-stele.glb"), etag, "ada")
    second = exhibition.publish("pat")
    patch = exhibition.diff(first.id, second.id)
    old = json.loads(dump_scene(exhibition.document(first.id)))
    new = json.loads(dump_scene(exhibition.document(second.id)))
    assert jsonpatch.apply_patch(old, patch) == new
    assert {op["path"] for op in patch} == {"/title/en", "/exhibits/0/asset"}
    assert exhibition.diff(first.id, first.id) == []


def test_publish_refuses_a_draft_naming_a_missing_file_and_keeps_the_live_version(
    exhibition: Exhibition,
) -> None:
    etag = exhibition.save_draft(revision(1), None, "ada")
    first = exhibition.publish("pat")
    exhibition.save_draft(revision(2, asset="not-uploaded.glb"), etag, "ada")
    with pytest.raises(SceneInvalid) as caught:
        exhibition.publish("pat")
    assert "/exhibits/0/asset" in str(caught.value)
    assert exhibition.published() == first


def test_a_damaged_object_is_found_by_its_hash(exhibition: Exhibition) -> None:
    exhibition.save_draft(revision(1), None, "ada")
    first = exhibition.publish("pat")
    damaged = exhibition.root / "objects" / first.document[:2] / first.document
    damaged.write_bytes(damaged.read_bytes().replace(b"rev 1", b"rev 7"))
    for read in (lambda: exhibition.check(first.id), exhibition.published_document):
        with pytest.raises(LibraryError) as caught:
            read()
        assert caught.value.code == "VERSION_CORRUPT"


@pytest.mark.parametrize("bad", ["../../etc/passwd", "f" * 64, ""])
def test_an_unknown_version_is_refused_by_code(exhibition: Exhibition, bad: str) -> None:
    with pytest.raises(LibraryError) as caught:
        exhibition.restore(bad, "rex")
    assert caught.value.code == "VERSION_NOT_FOUND"


def test_nothing_published_and_no_draft_are_errors_with_codes(exhibition: Exhibition) -> None:
    assert exhibition.published() is None and exhibition.versions() == []
    with pytest.raises(LibraryError) as caught:
        exhibition.published_document()
    assert caught.value.code == "NOTHING_PUBLISHED"
    with pytest.raises(LibraryError) as caught:
        exhibition.publish("pat")
    assert caught.value.code == "NO_DRAFT"


def test_a_gltf_s_external_buffer_and_texture_are_part_of_the_version(
    exhibition: Exhibition,
) -> None:
    folder = exhibition.root / "models"
    folder.mkdir()
    (folder / "skin.png").write_bytes(solid_png(4, 4, (200, 120, 40)))
    document, blob = triangle(image_uri="skin.png")
    write_gltf(folder, "tri.gltf", document, blob)
    etag = exhibition.save_draft(revision(1, asset="models/tri.gltf"), None, "ada")
    first = exhibition.publish("pat")
    assert {"models/tri.gltf", "models/tri.bin", "models/skin.png"} <= set(first.files)
    texture = (folder / "skin.png").read_bytes()
    assert first.files["models/skin.png"] == hashlib.sha256(texture).hexdigest()
    # a new texture alone, same document: a new version
    (folder / "skin.png").write_bytes(solid_png(4, 4, (10, 120, 240)))
    exhibition.save_draft(revision(1, asset="models/tri.gltf"), etag, "ada")
    second = exhibition.publish("pat")
    assert second.id != first.id and second.document == first.document
    assert exhibition.diff(first.id, second.id) == []
    exhibition.check(first.id)  # the old texture is still stored whole


def test_a_checkout_opens_as_the_version_published_even_after_the_files_change(
    exhibition: Exhibition,
) -> None:
    exhibition.save_draft(revision(1), None, "ada")
    first = exhibition.publish("pat")
    (exhibition.root / "relic.glb").write_bytes((exhibition.root / "relic-stele.glb").read_bytes())
    path = exhibition.checkout(first.id)
    scene = open_scene(path)
    assert revision_of(scene.document.title) == 1
    kept = scene.models["relic.glb"].path.read_bytes()
    assert hashlib.sha256(kept).hexdigest() == first.files["relic.glb"]
    assert exhibition.checkout(first.id) == path  # a checkout is reused, never rebuilt


def test_a_checkout_of_a_version_missing_an_object_leaves_nothing_behind(
    exhibition: Exhibition,
) -> None:
    exhibition.save_draft(revision(1), None, "ada")
    first = exhibition.publish("pat")
    exhibition.objects.path(first.files["relic.glb"]).unlink()
    with pytest.raises(LibraryError) as caught:
        exhibition.checkout(first.id)
    assert caught.value.code == "VERSION_CORRUPT"
    served = exhibition.root / ".served"
    assert not any(served.iterdir())


def test_checkouts_of_one_version_at_once_each_get_it_whole(exhibition: Exhibition) -> None:
    """A restore sends the page, its scripts and the visitor's offer at once, each asking
    for the version's checkout: none may sweep another's folder from under it."""
    exhibition.save_draft(revision(1), None, "ada")
    first = exhibition.publish("pat")
    with ThreadPoolExecutor(8) as pool:
        paths = list(pool.map(lambda _: exhibition.checkout(first.id), range(8)))
    assert len(set(paths)) == 1
    for name in first.files:
        assert (paths[0].parent / name).is_file(), name


def test_only_an_old_temporary_checkout_is_swept(exhibition: Exhibition) -> None:
    exhibition.save_draft(revision(1), None, "ada")
    first = exhibition.publish("pat")
    served = exhibition.root / ".served"
    recent, old = served / ".tmp-recent", served / ".tmp-killed"
    for folder in (recent, old):
        (folder / "part").mkdir(parents=True)
    hours_ago = time.time() - 2 * 3600
    os.utime(old, (hours_ago, hours_ago))
    exhibition.checkout(first.id)
    assert recent.is_dir(), "another checkout under way keeps its folder"
    assert not old.exists(), "a killed checkout's leftovers go"


def test_a_checkout_missing_a_file_is_made_again(exhibition: Exhibition) -> None:
    exhibition.save_draft(revision(1), None, "ada")
    first = exhibition.publish("pat")
    path = exhibition.checkout(first.id)
    (path.parent / "relic.glb").unlink()
    assert exhibition.checkout(first.id) == path
    assert (path.parent / "relic.glb").is_file()
