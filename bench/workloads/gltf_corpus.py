"""The public glTF corpus (``../shared/corpus``): its files by category and what the corpus
itself expects of each (rejected or not)."""

from __future__ import annotations

import json
from pathlib import Path

__all__ = [
    "CATEGORIES",
    "CORPUS",
    "corpus_files",
    "hostile_manifest",
    "must_reject",
    "relative",
    "stored_verdict",
]

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
CATEGORIES = ("valid", "edge_valid", "invalid", "hostile")
EXPECT_REJECT = {"valid": False, "edge_valid": False, "invalid": True, "hostile": True}


def corpus_files(corpus: Path = CORPUS) -> dict[str, list[Path]]:
    """Every glTF/GLB file of each category, sorted."""
    found = {}
    for category in CATEGORIES:
        folder = corpus / category
        found[category] = sorted(
            p for p in folder.rglob("*") if p.suffix in (".gltf", ".glb") and p.is_file()
        )
    return found


def relative(path: str) -> str:
    """``path`` as the corpus names it (``hostile/...``), or as it is when outside it."""
    try:
        return str(Path(path).relative_to(CORPUS))
    except ValueError:
        return path


def hostile_manifest() -> dict[str, tuple[str, str]]:
    """hostile/MANIFEST.tsv: path -> (expected verdict, description)."""
    path = CORPUS / "hostile" / "MANIFEST.tsv"
    if not path.is_file():
        return {}
    rows = [line.split("\t") for line in path.read_text("utf-8").splitlines()[1:]]
    return {f"hostile/{r[0]}": (r[2], r[3]) for r in rows if len(r) >= 4}


def must_reject(path: str, category: str, expectations: dict[str, tuple[str, str]]) -> bool:
    """The corpus's own expectation: invalid/ always, hostile/ where its manifest says so."""
    if category == "hostile":
        return expectations.get(relative(path), ("", ""))[0] == "reject"
    return EXPECT_REJECT[category]


def stored_verdict(path: str) -> bool | None:
    """Whether the report stored beside a suite file lists errors (None: no report)."""
    report = Path(path + ".report.json")
    if not report.is_file():
        return None
    return int(json.loads(report.read_text("utf-8"))["issues"]["numErrors"]) > 0
