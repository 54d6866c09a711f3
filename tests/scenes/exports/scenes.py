"""Scene documents for the export tests, made through the real loader."""

from __future__ import annotations

import json
from typing import Any

from museion.scenes.document.loader import load_scene
from museion.scenes.document.model import SceneDocument

HOSTILE = '"quoted" & <script>alert("x")</script> \u202eRTL override'
LONG = "长" * 10_000
ARABIC = "إناء برونزي من العصر"


def exhibit(exhibit_id: str, metadata: dict[str, Any], access: str = "public") -> dict[str, Any]:
    return {"id": exhibit_id, "asset": "relic.glb", "metadata": metadata, "access": access}


def scene(*exhibits: dict[str, Any], title: dict[str, str] | None = None) -> SceneDocument:
    """A document with these exhibits, through ``load_scene`` as a user's file would go."""
    data = {
        "format": "museion.scene",
        "version": 2,
        "default_language": "en",
        "title": title or {"en": "Two languages", "fr": "Deux langues"},
        "venue": "hall.glb",
        "exhibits": list(exhibits),
    }
    return load_scene(json.dumps(data).encode("utf-8"))


def two_languages() -> SceneDocument:
    return scene(
        exhibit(
            "vase",
            {
                "title": {"en": "Vase", "fr": "Vase en grès"},
                "creator": {"en": "Unknown potter", "fr": "Potier inconnu"},
                "date": {"en": "1750", "fr": "1750"},
                "medium": {"en": "Stoneware", "fr": "Grès"},
                "dimensions": {"en": "H. 30 cm", "fr": "H. 30 cm"},
                "provenance": {"en": "Gift, 1901", "fr": "Don, 1901"},
                "rights": {
                    "en": "https://creativecommons.org/publicdomain/zero/1.0/",
                    "fr": "https://creativecommons.org/publicdomain/zero/1.0/",
                },
                "description": {"en": "A tall vase.", "fr": "Un grand vase."},
                "identifier": "INV 1901.7",
            },
        ),
        exhibit(
            "secret",
            {
                "title": {"en": "Sealed box", "fr": "Boîte scellée"},
                "creator": {"en": "Kept back", "fr": "Réservé"},
                "description": {"en": "Not for visitors.", "fr": "Pas pour le public."},
                "rights": {"en": "All rights reserved", "fr": "Tous droits réservés"},
                "identifier": "INV 1902.1",
            },
            access="restricted",
        ),
    )


def hostile() -> SceneDocument:
    return scene(
        exhibit(
            "hostile",
            {
                "title": {"en": HOSTILE, "ar": ARABIC},
                "description": {"en": "<b>bold</b>", "ar": LONG},
                "creator": {"en": HOSTILE, "ar": ARABIC},
                "dimensions": {"en": LONG, "ar": ARABIC},
                "rights": {"en": HOSTILE, "ar": ARABIC},
            },
        ),
        title={"en": HOSTILE, "ar": ARABIC},
    )
