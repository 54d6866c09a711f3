"""An uploaded glTF/GLB made into a model an exhibition can place.

The studio server receives the upload and calls :func:`import_model` (given to it as a
plain callable, since ``streaming`` never imports ``tools``).  The upload is read through
the one gate in a private staging folder outside the exhibition; a file the gate refuses
raises :class:`ImportRefused` with the gate's findings and leaves the exhibition
untouched.  A file it accepts is optimized for streaming, checked by the gate again, and
only then written: the original, byte for byte, under ``originals/<sha256><ext>`` (kept,
never served; the same content is stored once), and the optimized model under
``models/<slug>.glb`` (a fresh name every time: an existing model is never replaced).

A ``.gltf`` upload must be self-contained (its buffers and images as ``data:`` URIs): a
single upload cannot carry the files a ``.gltf`` names beside it, so one that names any is
refused with ``GLTF_EXTERNAL_RESOURCES`` rather than the gate's "file not found".
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from museion.scenes.document.file import atomic_write, link_unique
from museion.scenes.errors import AssetRejected
from museion.scenes.gltf.gate import DEFAULT_MAX_BYTES, GateLimits, read_gltf, validate_gltf
from museion.scenes.gltf.report import GltfReport
from museion.tools.errors import ImportRefused, OptimizeError
from museion.tools.studio.bounds import Bounds, model_bounds
from museion.tools.studio.names import slug, title
from museion.tools.transform.document import GltfDocument, read_document, write_document
from museion.tools.transform.pipeline import OptimizeOptions, optimize, step_names
from museion.tools.transform.textures import TextureOptions

__all__ = ["ImportOptions", "ImportedModel", "Progress", "import_model"]

logger = logging.getLogger(__name__)

Progress = Callable[[str, float], None]
"""``progress(stage, fraction)``: called before each stage, fractions rising to 1.0."""

_SUFFIXES = (".glb", ".gltf")
_MAX_NAMES = 1000


def _streaming_defaults() -> OptimizeOptions:
    """Lossless in shape (no simplification: a curator's scan stays the scan), quantized
    and meshopt-compressed for the wire, textures capped at 4096 px on the long side."""
    return OptimizeOptions(textures=TextureOptions(max_size=4096))


@dataclass(frozen=True)
class ImportOptions:
    """How an upload is imported.  ``max_bytes`` caps the upload (the gate's own default
    cap, since the optimizer reads the file through the gate's defaults again);
    ``optimize`` ``None`` stores the model as uploaded (re-packed, not transformed);
    ``staging`` is where the upload is read before it is accepted (system temp when
    ``None``), never the exhibition."""

    max_bytes: int = DEFAULT_MAX_BYTES
    optimize: OptimizeOptions | None = field(default_factory=_streaming_defaults)
    staging: Path | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.max_bytes, int) or not 0 < self.max_bytes <= DEFAULT_MAX_BYTES:
            raise ValueError(
                f"ImportOptions.max_bytes must be 1 to {DEFAULT_MAX_BYTES}, not {self.max_bytes!r}"
            )
        if self.optimize is not None and not isinstance(self.optimize, OptimizeOptions):
            raise ValueError("ImportOptions.optimize must be OptimizeOptions or None")


@dataclass(frozen=True)
class ImportedModel:
    """A model ready to place: where it is (relative to the exhibition root, as an
    ``Exhibit.asset`` names it), where its original is kept, a suggested exhibit id and
    title, the gate's findings (warnings on an accepted file), figures, and bounds."""

    asset: str
    original: str
    suggested_id: str
    title: str
    report: list[dict[str, str]]
    stats: dict[str, Any]
    bounds: Bounds

    def to_json(self) -> dict[str, Any]:
        """Plain JSON for the studio's HTTP answer."""
        return {
            "asset": self.asset,
            "original": self.original,
            "suggested_id": self.suggested_id,
            "title": self.title,
            "report": self.report,
            "stats": self.stats,
            "bounds": {"min": list(self.bounds[0]), "max": list(self.bounds[1])},
        }


def _ignore(stage: str, fraction: float) -> None:
    """The default progress callback: nobody is watching."""


def _finding(code: str, message: str, pointer: str = "") -> dict[str, str]:
    return {"code": code, "severity": "error", "pointer": pointer, "message": message}


def _findings(report: GltfReport) -> list[dict[str, str]]:
    """The gate's issues as ``{code, severity, pointer, message}``, errors first."""
    issues = sorted(report.issues, key=lambda i: i.severity != "error")
    found = [i.to_dict() for i in issues]
    if report.truncated:
        found.append(
            {
                "code": "REPORT_TRUNCATED",
                "severity": "info",
                "pointer": "",
                "message": f"{report.truncated} more findings were left out of this report",
            }
        )
    return found


def _refuse(filename: str, report: list[dict[str, str]], code: str | None = None) -> ImportRefused:
    errors = [f for f in report if f["severity"] == "error"]
    more = len(errors) - 1
    tail = f" (and {more} more problem{'s' if more > 1 else ''})" if more > 0 else ""
    sentence = f"{filename} was not imported: {errors[0]['message']}{tail}"
    return ImportRefused(sentence, report, code=code)


def _external_uris(document: dict[str, Any]) -> list[dict[str, str]]:
    """A finding for each buffer or image that names a file rather than holding its data."""
    found = []
    for kind in ("buffers", "images"):
        entries = document.get(kind)
        for index, entry in enumerate(entries if isinstance(entries, list) else []):
            uri = entry.get("uri") if isinstance(entry, dict) else None
            if isinstance(uri, str) and not uri.startswith("data:"):
                found.append(
                    _finding(
                        "GLTF_EXTERNAL_RESOURCES",
                        f"the file names a separate file ({uri[:80]!r}) that an upload cannot "
                        "carry; upload a .glb, or a .gltf with its data embedded",
                        f"/{kind}/{index}/uri",
                    )
                )
    return found


def _gate(staged: Path, filename: str, limits: GateLimits) -> list[dict[str, str]]:
    """The gate's findings on the staged upload; raises :class:`ImportRefused` when it
    has any error (or names files beside it)."""
    try:
        source = read_gltf(staged.parent, staged.name, limits)
    except AssetRejected as exc:
        raise _refuse(filename, [_finding(exc.code, exc.detail, exc.pointer)]) from exc
    external = _external_uris(source.document)
    if external:
        raise _refuse(filename, external, code="GLTF_EXTERNAL_RESOURCES")
    report = validate_gltf(staged.parent, staged.name, limits)
    findings = _findings(report)
    if not report.valid:
        raise _refuse(filename, findings)
    return findings


def _figures(doc: GltfDocument, size: int) -> dict[str, int]:
    return {
        "bytes": size,
        "triangles": doc.triangle_count(),
        "vertices": doc.vertex_count(),
        "textures": len(doc.images),
    }


def _store_original(root: Path, digest: str, suffix: str, data: bytes) -> str:
    """``originals/<sha256><suffix>``, written once per content."""
    relative = f"originals/{digest}{suffix}"
    path = root / relative
    if not path.is_file() or path.stat().st_size != len(data):
        atomic_write(path, data)
    return relative


def _claim(root: Path, stem: str, data: bytes) -> str:
    """Write ``data`` as ``models/<stem>.glb`` or, when that name is taken, the first free
    ``<stem>-2.glb``, ``<stem>-3.glb``...: written whole under a private name, then linked
    to the free name (a link fails rather than replace), so two imports at once never
    take one name nor overwrite a model."""
    folder = root / "models"
    temp = folder / f".{stem}.{os.getpid()}.{time.monotonic_ns()}.claim"
    atomic_write(temp, data)
    try:
        name = link_unique(temp, folder, stem, ".glb", limit=_MAX_NAMES)
    finally:
        temp.unlink(missing_ok=True)
    if name is not None:
        return f"models/{name}"
    raise OptimizeError(
        f"models/ already holds {_MAX_NAMES} models named {stem}; rename the file",
        code="MODEL_NAMES_EXHAUSTED",
    )


def _read_upload(upload: Path, filename: str, max_bytes: int) -> bytes:
    """The upload's bytes, refused over the cap before anything is read."""
    try:
        size = upload.stat().st_size
        if size > max_bytes:
            raise _refuse(
                filename,
                [_finding("FILE_TOO_LARGE", f"{size} bytes is over the {max_bytes}-byte cap")],
            )
        with upload.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise OptimizeError(
            f"cannot read the upload: {exc.strerror}", code="UPLOAD_UNREADABLE"
        ) from exc
    if len(data) > max_bytes:  # it grew while we looked
        raise _refuse(filename, [_finding("FILE_TOO_LARGE", f"over the {max_bytes}-byte cap")])
    return data


def import_model(
    root: Path,
    upload: Path,
    filename: str,
    *,
    options: ImportOptions = ImportOptions(),
    progress: Progress = _ignore,
) -> ImportedModel:
    """Import the file at ``upload`` (which the browser called ``filename``) into the
    exhibition at ``root``; see the module's docstring for what is written where.

    Raises :class:`ImportRefused` (nothing written) for a file that is not a glTF, is over
    the cap, fails the gate, names external files or draws nothing;
    :class:`OptimizeError` when an accepted file cannot be optimized or its output fails
    the gate (nothing written either).
    """
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    suffix = "." + base.rpartition(".")[2].lower() if "." in base else ""
    if suffix not in _SUFFIXES:
        raise _refuse(filename, [_finding("NOT_GLTF", "only .glb and .gltf files can be imported")])
    stages = ["gate", "read", *(step_names(options.optimize) if options.optimize else [])]
    stages += ["write", "check", "store"]
    seconds: list[dict[str, Any]] = []
    clock = time.perf_counter()
    started = clock

    def stage(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        if seconds:
            seconds[-1]["seconds"] = round(now - clock, 4)
        clock = now
        progress(name, len(seconds) / len(stages))
        seconds.append({"name": name, "seconds": 0.0})

    limits = replace(GateLimits(), max_file_bytes=options.max_bytes)
    with tempfile.TemporaryDirectory(prefix="museion-import-", dir=options.staging) as folder:
        stage("gate")
        data = _read_upload(upload, filename, options.max_bytes)
        staged = Path(folder) / f"upload{suffix}"
        staged.write_bytes(data)
        report = _gate(staged, filename, limits)
        stage("read")
        doc = read_document(staged)
        bounds = model_bounds(doc)
        if bounds is None:
            raise _refuse(
                filename, [_finding("MODEL_EMPTY", "the file's scene draws nothing to place")]
            )
        before = _figures(doc, len(data))
        if options.optimize is not None:
            optimize(doc, options.optimize, stage)
        stage("write")
        output = Path(folder) / "model.glb"
        written = write_document(doc, output)
        stage("check")
        checked = validate_gltf(output.parent, output.name)
        if not checked.valid:
            raise OptimizeError(
                f"{filename}: the optimized model fails the gate ({checked.errors[0]})",
                code="OPTIMIZED_MODEL_INVALID",
            )
        stage("store")
        model = output.read_bytes()
        original = _store_original(root, hashlib.sha256(data).hexdigest(), suffix, data)
        asset = _claim(root, slug(filename), model)
    seconds[-1]["seconds"] = round(time.perf_counter() - clock, 4)
    progress("done", 1.0)
    total = time.perf_counter() - started
    logger.info("imported %s as %s in %.2f s", filename, asset, total)
    return ImportedModel(
        asset=asset,
        original=original,
        suggested_id=asset.removeprefix("models/").removesuffix(".glb"),
        title=title(filename),
        report=report,
        stats={
            "before": before,
            "after": _figures(doc, written),
            "stages": seconds,
            "seconds": round(total, 3),
        },
        bounds=bounds,
    )


def import_for_server(
    root: Path, upload: Path, filename: str, progress: Progress
) -> dict[str, Any]:
    """:func:`import_model` in the shape the studio server is given an importer
    (``museion.streaming.studio.uploads.Importer``): positional, JSON out."""
    return import_model(root, upload, filename, progress=progress).to_json()
