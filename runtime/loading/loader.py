"""Gated models as Panda3D nodes: converted by a worker once, then read from the cache.

Every model is converted through the cache (:mod:`.cache`): a hit starts no worker; a miss
runs one (:mod:`.supervisor`) in a private work folder under the cache, moved into place
with ``os.replace`` so a killed worker never leaves half a model.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from museion.runtime.errors import AssetLoadFailed
from museion.runtime.loading.cache import cache_folder, cache_key, evict
from museion.runtime.loading.proxy import load_with_proxy, proxy_path
from museion.runtime.loading.supervisor import run_worker
from museion.runtime.settings import RuntimeSettings
from museion.scenes.gltf.gate import CheckedGltf

__all__ = ["convert_model", "convert_models", "load_model"]

logger = logging.getLogger(__name__)


def convert_model(model: CheckedGltf, settings: RuntimeSettings, key: str | None = None) -> Path:
    """The cached ``.bam`` of ``model``, made by a worker when not cached yet.

    Raises :class:`AssetLoadFailed` when the worker fails, crashes, runs out of its limits
    or of time.  Safe to call from several threads (each worker has its own folder).
    """
    folder = cache_folder(settings)
    final = folder / f"{key or cache_key(model, settings)}.bam"
    if final.is_file():
        logger.debug("%s: converted model found in the cache", model.name)
        with contextlib.suppress(OSError):
            os.utime(final)  # recently used: the last to be evicted
        return final
    try:
        with tempfile.TemporaryDirectory(dir=folder, prefix=".load-") as work:
            out = Path(work) / "model.bam"
            run_worker(model, out, settings)
            if proxy_path(out).is_file():  # first: a model in place has its proxy in place
                os.replace(proxy_path(out), proxy_path(final))
            os.replace(out, final)
        evict(folder, settings.load_cache_mb * 1024 * 1024, keep=final)
    except OSError as exc:
        raise AssetLoadFailed(
            "LOAD_FAILED",
            model.name,
            f"{model.name}: the converted model cannot be written to {folder} "
            f"({exc.strerror or exc}); free some space there or set runtime.load_cache_dir",
        ) from exc
    return final


def convert_models(
    models: Iterable[CheckedGltf], settings: RuntimeSettings
) -> dict[Path, Path | AssetLoadFailed]:
    """Every model's cached ``.bam`` (or the reason it failed), by the model's path.

    Cache misses are converted by one worker each, as many at once as there are cores,
    each file once however many times it is named.
    """
    unique = {model.path: model for model in models}
    if not unique:
        return {}
    jobs = min(len(unique), os.cpu_count() or 1, 4)

    def one(model: CheckedGltf) -> Path | AssetLoadFailed:
        try:
            return convert_model(model, settings)
        except AssetLoadFailed as exc:
            return exc

    if jobs == 1:
        return {path: one(model) for path, model in unique.items()}
    with ThreadPoolExecutor(jobs, thread_name_prefix="museion-load") as pool:
        results = pool.map(one, unique.values())
        return dict(zip(unique, results, strict=True))


def _check_size(model: CheckedGltf, bam: Path, settings: RuntimeSettings) -> None:
    """Refuse a converted model over ``max_model_mib``: the server holds about that much
    of it in memory (its meshes and textures) for as long as it is shown."""
    try:
        size = bam.stat().st_size
    except OSError:
        return  # read below, and reported there
    if size > settings.max_model_mib * 2**20:
        raise AssetLoadFailed(
            "LOAD_TOO_LARGE",
            model.name,
            f"{model.name}: the converted model takes {size / 2**20:,.0f} MiB, over the "
            f"{settings.max_model_mib} MiB a model may hold in the server's memory; make it "
            "lighter (museion optimize: fewer triangles, smaller textures) or raise "
            "runtime.max_model_mib",
        )


def _read_bam(path: Path) -> Any:
    from panda3d.core import Filename, Loader, LoaderOptions, NodePath

    options = LoaderOptions(LoaderOptions.LF_no_cache | LoaderOptions.LF_report_errors)
    node = Loader.get_global_ptr().load_sync(Filename.from_os_specific(str(path)), options)
    return None if node is None else NodePath(node)


def load_model(
    model: CheckedGltf,
    settings: RuntimeSettings,
    converted: Path | None = None,
    arrived: Callable[[Any, Callable[[], None]], None] | None = None,
) -> Any:
    """``model`` as a Panda3D NodePath, through the worker and the cache.

    ``converted`` is the ``.bam`` :func:`convert_models` already made.  A cached file that
    Panda3D cannot read (a disk that filled up) is converted once more.  Call it where
    Panda3D may be used (the render thread).  Raises :class:`AssetLoadFailed`.

    With ``arrived``, a heavy model comes as its proxy first (:mod:`.proxy`): the whole
    model is read on another thread, which then calls ``arrived(whole, swap)``.
    """
    bam = converted or convert_model(model, settings)
    _check_size(model, bam, settings)
    if arrived is not None:
        first = load_with_proxy(model.name, bam, _read_bam, arrived)
        if first is not None:
            return first
    node = _read_bam(bam)
    if node is None:
        logger.warning("%s: the cached model %s is unreadable; converting again", model.name, bam)
        with contextlib.suppress(OSError):
            bam.unlink()
        node = _read_bam(convert_model(model, settings))
    if node is None:
        raise AssetLoadFailed(
            "LOAD_FAILED",
            model.name,
            f"{model.name}: the converted model could not be read back; check that the "
            f"model cache folder {settings.model_cache_dir} has free space",
        )
    return node
