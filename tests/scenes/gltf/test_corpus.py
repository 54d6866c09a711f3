"""The public corpus with its expected verdicts, file by file: the gate accepts every valid
and edge-valid file, rejects every file the Khronos validator rejects (and the third-party
loaders' invalid cases), and holds on the hand-made attacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from museion.scenes.gltf.gate import validate_gltf
from tests.conftest import CORPUS

pytestmark = pytest.mark.skipif(
    not CORPUS.is_dir(), reason="../shared/corpus is absent (public glTF corpus)"
)


def _models(folder: str) -> list[Path]:
    root = CORPUS / folder
    return (
        sorted(p for p in root.rglob("*") if p.suffix in (".gltf", ".glb")) if root.is_dir() else []
    )


def _khronos_errors(model: Path) -> set[str] | None:
    """The error codes of the Khronos report beside ``model``; None when it has none."""
    report = model.with_name(model.name + ".report.json")
    if not report.exists():
        return None
    messages = json.loads(report.read_text())["issues"]["messages"]
    return {m["code"] for m in messages if m["severity"] == 0}


def _name(model: Path) -> str:
    return str(model.relative_to(CORPUS))


@pytest.mark.parametrize("model", _models("valid") + _models("edge_valid"), ids=_name)
def test_valid_files_are_accepted(model: Path) -> None:
    report = validate_gltf(model.parent, model.name)
    assert report.valid, [str(i) for i in report.errors]


# Third-party loaders' regression files the reference validator finds nothing wrong with.
_NO_FAULT = {
    "invalid/third_party_tinygltf/zero-sized-bin-chunk-issue-440.glb": "a tinygltf reader bug "
    "around the BIN chunk; the file itself is well formed (gltf-validator 2.0.0-dev.3.10: 0 "
    "errors)",
}


# Where the gate names one fault with a code of its own (it stops at the container or the
# JSON, or its resolver is finer-grained), the reference's code for that same fault.
_SAME_FAULT = {
    "URI_DATA_MALFORMED": "INVALID_URI",
    "URI_DATA_MEDIA_TYPE": "BUFFER_DATA_URI_MIME_TYPE_INVALID",
    "GLB_LENGTH": "GLB_UNEXPECTED_END_OF_CHUNK_DATA",
    "INVALID_JSON": "TYPE_MISMATCH",  # a root that is no object
    "UNKNOWN_ASSET_MAJOR_VERSION": "PATTERN_MISMATCH",  # an unreadable version string
}


@pytest.mark.parametrize("model", _models("invalid"), ids=_name)
def test_invalid_files_are_rejected(model: Path) -> None:
    if _name(model) in _NO_FAULT:
        pytest.skip(_NO_FAULT[_name(model)])
    theirs = _khronos_errors(model)
    report = validate_gltf(model.parent, model.name)
    assert not report.valid, f"accepted; the reference found {sorted(theirs or [])}"
    if theirs:  # the reference's fault is found as such, not only some other one
        ours = report.codes() | {_SAME_FAULT.get(code, code) for code in report.codes()}
        assert theirs & ours, (sorted(theirs), sorted(report.codes()))


def _hostile() -> list[tuple[str, str]]:
    manifest = CORPUS / "hostile" / "MANIFEST.tsv"
    if not manifest.exists():
        return []
    rows = [line.split("\t") for line in manifest.read_text().splitlines()[1:]]
    return [(row[0], row[2]) for row in rows if row[2] != "resource"]


@pytest.mark.parametrize(("path", "verdict"), _hostile(), ids=[p for p, _ in _hostile()])
def test_hostile_files_meet_their_verdict(path: str, verdict: str) -> None:
    model = CORPUS / "hostile" / path
    report = validate_gltf(model.parent, model.name)
    if verdict == "accept":
        assert report.valid, [str(i) for i in report.errors]
    elif verdict == "reject":
        assert not report.valid
    else:  # reject-or-accept-...: either, but bounded and never an exception
        assert report.valid or report.errors
