"""Write ``docs/gallery/``: each golden | our render | where they differ, and a table.

Run ``python -m tests.runtime.reference_gallery`` from the repository (needs
../shared/corpus); it renders the models of :mod:`tests.runtime.test_reference_images`
at their goldens' cameras and prints each SSIM beside its threshold, so thresholds can
be re-set after the renderer's look changes.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from museion.runtime.settings import RuntimeSettings
from tests.conftest import CORPUS, REPO
from tests.runtime.test_reference_images import CASES, REFERENCE, Case, Scored, compare, render

__all__ = ["heat_map", "main", "side_by_side"]

logger = logging.getLogger(__name__)

GALLERY = REPO / "docs" / "gallery"

# Why each model differs from the Sample Viewer today, as seen in the pictures.
WHY = {
    "AnimatedMorphCube": "shape and pose right (at rest); the speckles on the right-hand "
    "face are gone (the file's tangents there lie along the normal: the shader's tangent "
    "frame made NaN; 0.817 before the fix); each face's brightness differs (the "
    "lighting, see above)",
    "Avocado": "close; the cut face is a shade yellower and its rim lighter in ours, and "
    "the stone's highlight differs (the Sample Viewer's studio environment)",
    "BoxInterleaved": "same shape; our red is darker (lighting and tone mapping)",
    "BoxTextured": "same shape and texture; each face's brightness differs, most on the "
    "edge between the lit faces",
    "CesiumMilkTruck": "same shape; windscreen, bumper and wheels reflect a different "
    "environment (a gradient against the Sample Viewer's studio)",
    "Fox": "the rest pose, as the golden (the preview is frozen there: ModelPreview.freeze); "
    "0.520 before, playing Survey from frame 0; each facet's brightness differs "
    "(lighting), most along the back and legs",
    "MultiUVTest": "the emissive texture now reads TEXCOORD_1 (before: the model's "
    "'Multiple UVs not supported' text, 0.817); ours is darker and less yellow (lighting, tone "
    "mapping)",
    "SimpleSparseAccessor": "the three peaks are there (the gate now densifies sparse "
    "accessors, which panda3d-gltf ignored; 0.608 before); only the edges differ",
    "TextureTransformTest": "every transform right (KHR_texture_transform); only "
    "brightness differs (lights, tone mapping)",
    "VertexColorTest": "vertex colours right; the blue is brighter in ours (lights, tone mapping)",
}


def heat_map(scored: Scored) -> np.ndarray:
    """Dissimilarity (1 - SSIM) inside the compared region, black to red to yellow."""
    d = np.clip(1.0 - scored.ssim_map, 0.0, 1.0) * scored.mask
    red = np.clip(d * 2.0, 0.0, 1.0)
    green = np.clip(d * 2.0 - 1.0, 0.0, 1.0)
    rgb = np.stack([red, green, np.zeros_like(d)], axis=2)
    heat: np.ndarray = np.rint(rgb * 255).astype(np.uint8)
    return heat


def side_by_side(scored: Scored) -> Image.Image:
    """Golden | ours | difference, one row."""
    row = np.concatenate([scored.golden, scored.ours, heat_map(scored)], axis=1)
    return Image.fromarray(row)


def _save(picture: Image.Image, path: Path) -> None:
    """A small PNG: the palette keeps it under ~100 KB."""
    picture.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def _table(rows: list[tuple[Case, float]]) -> str:
    lines = [
        "# Reference images: our render beside the glTF Sample Viewer's",
        "",
        "Each picture: the Sample Viewer's golden screenshot (from KhronosGroup/"
        "glTF-Render-Fidelity, laid on our background) | our render by the real engine "
        "at the same camera | where they differ (1 - SSIM, black = same, yellow = "
        "different). SSIM is computed in grey over both silhouettes; the tests in "
        "`tests/runtime/test_reference_images.py` assert each model's threshold.",
        "",
        "Our render uses the defaults a visitor gets, image-based lighting included; the "
        "preview's empty stage has no geometry, so its environment is the sky-to-ground "
        "gradient of the hemisphere ambient, where the Sample Viewer lights with a studio "
        "environment map: most of what still differs is each face's brightness. Animated "
        "models are frozen at their rest pose, as the goldens show them. Re-run "
        "`.venv/bin/python -m tests.runtime.reference_gallery` when the renderer's look "
        "changes, then set each threshold in the test module to the new figure less 0.03.",
        "",
        "| model | SSIM | threshold | what differs and why |",
        "|---|---|---|---|",
    ]
    for case, ssim in rows:
        lines.append(
            f"| [{case.golden}]({case.golden}.png) | {ssim:.3f} | {case.threshold:.2f} "
            f"| {WHY.get(case.golden, '')} |"
        )
    lines += [
        "",
        "Goldens: see `tests/runtime/reference/README.md` for sources and licences.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=GALLERY)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if not CORPUS.is_dir():
        logger.error("../shared/corpus is absent: nothing to render")
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    rows: list[tuple[Case, float]] = []
    with tempfile.TemporaryDirectory(prefix="museion-gallery-") as cache:
        settings = RuntimeSettings(load_cache_dir=Path(cache))
        for case in CASES:
            if not (REFERENCE / f"{case.golden}.webp").is_file():
                logger.warning("%s: no golden, skipped", case.golden)
                continue
            scored = compare(case, render(case, settings))
            _save(side_by_side(scored), args.out / f"{case.golden}.png")
            rows.append((case, scored.ssim))
            logger.info("%-22s SSIM %.3f  threshold %.2f", case.golden, scored.ssim,
                        case.threshold)  # fmt: skip
    (args.out / "README.md").write_text(_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
