"""prune and dedup: what nothing uses goes, identical content merges, metadata stays;
their switches are True or False."""

from __future__ import annotations

import numpy as np
import pytest

from museion.tools.transform.prune import DedupOptions, PruneOptions, dedup, prune
from tests.tools.transform.documents import (
    sphere_document,
)


def test_prune_drops_what_nothing_uses_but_keeps_metadata() -> None:
    doc = sphere_document()
    doc.json["materials"].append({"name": "unused"})
    doc.json["materials"].append({"name": "catalogued", "extras": {"keep": True}})
    doc.json["meshes"].append({"primitives": [{"attributes": {"POSITION": 0}, "material": 1}]})
    doc.json["nodes"].append({"name": "stray", "mesh": 1})
    doc.json["accessors"].append({"componentType": 5126, "count": 0, "type": "SCALAR"})
    doc.arrays.append(np.zeros((5, 1), np.float32))
    stats = prune(doc)
    assert stats.counts == {"nodes": 1, "meshes": 1, "materials": 1, "accessors": 1}
    assert [m["name"] for m in doc.json["materials"]] == ["bronze", "catalogued"]
    assert doc.json["meshes"][0]["primitives"][0]["material"] == 0
    stats = prune(doc, PruneOptions(keep_extras=False))
    assert [m["name"] for m in doc.json["materials"]] == ["bronze"]


def test_dedup_merges_identical_content_but_not_different_names() -> None:
    doc = sphere_document()
    doc.json["accessors"].append(dict(doc.json["accessors"][1]))
    doc.arrays.append(doc.array(1).copy())
    doc.json["materials"] += [dict(doc.json["materials"][0]), {"name": "other"}]
    doc.json["meshes"][0]["primitives"].append(
        {"attributes": {"POSITION": 0, "NORMAL": 4}, "indices": 3, "material": 1}
    )
    doc.json["meshes"][0]["primitives"].append(
        {"attributes": {"POSITION": 0}, "indices": 3, "material": 2}
    )
    stats = dedup(doc)
    assert stats.counts == {"accessors": 1, "materials": 1}
    _, second, third = doc.json["meshes"][0]["primitives"]
    assert second == {"attributes": {"POSITION": 0, "NORMAL": 1}, "indices": 3, "material": 0}
    assert third["material"] == 1
    assert [m["name"] for m in doc.json["materials"]] == ["bronze", "other"]


@pytest.mark.parametrize("field", ["accessors", "images", "textures", "materials", "meshes"])
def test_dedup_options_are_true_or_false(field: str) -> None:
    with pytest.raises(ValueError, match=rf"DedupOptions\.{field} must be True or False"):
        DedupOptions(**{field: "no"})  # type: ignore[arg-type]


def test_prune_options_are_true_or_false() -> None:
    with pytest.raises(ValueError, match=r"PruneOptions\.keep_extras must be True or False"):
        PruneOptions(keep_extras="no")  # type: ignore[arg-type]
    assert PruneOptions(keep_extras=False).keep_extras is False
