"""Loading a gated glTF into Panda3D in a worker process with resource limits.

The gate refuses what we know to be hostile; this module contains what we do not know
yet.  panda3d-gltf aborts the whole process on some files (a huge accessor count), crashes
on others (a buffer claiming a terabyte) and recurses on node cycles, so the server never
runs it itself.  A fresh Python process (running :func:`main`, started with fork+exec,
never a bare fork of the server with its OpenGL context and threads) caps its own address
space (``RLIMIT_AS``) and CPU time (``RLIMIT_CPU``), decodes the file
(:func:`museion.scenes.gltf.decode.decode_to_glb`), loads it with panda3d-gltf and writes a
self-contained Panda3D ``.bam``.  The server kills it after the wall-time limit and turns
whatever went wrong into an :class:`AssetLoadFailed` for that asset alone.

The ``.bam`` is kept in a cache folder under a key made of the file's bytes (and of every
file it references), the museion, Panda3D and panda3d-gltf versions and the code that
reads glTF, so a model is converted once; a cache hit starts no worker.  Everything is
written under a private temp folder and moved into place with ``os.replace``: a killed
worker never leaves half a model.

Test seam: the environment variable ``MUSEION_LOAD_WORKER_STALL`` (``sleep:SECONDS`` or
``spin:SECONDS``) makes the worker sleep or burn CPU just before it loads, so tests can
show a timeout, a CPU limit and a worker killed mid-load with real processes.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import errno
import hashlib
import json
import logging
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import IO, Any

import museion.scenes
from museion.runtime.errors import AssetLoadFailed
from museion.runtime.settings import RuntimeSettings
from museion.scenes.errors import AssetRejected
from museion.scenes.gltf.gate import DEFAULT_MAX_BYTES, CheckedGltf
from museion.scenes.gltf.uri import BUFFER_MEDIA_TYPES, IMAGE_MEDIA_TYPES, FileUri, resolve_uri

__all__ = ["STALL_ENV", "cache_key", "convert_model", "convert_models", "load_model", "main"]

logger = logging.getLogger(__name__)

STALL_ENV = "MUSEION_LOAD_WORKER_STALL"
# Bump when what the worker writes changes in a way the package versions do not capture.
_FORMAT = "museion-bam-1"
_EXIT_FAILED = 1
_EXIT_OUT_OF_MEMORY = 3
_TAIL_BYTES = 64 * 1024
_OOM_MARKERS = (
    b"Out of memory",
    b"MemoryError",
    b"bad_alloc",
    b"Cannot allocate memory",
    b"cannot allocate memory",
    b"failed to map segment",
)
_ASKED = re.compile(rb"Out of memory allocating (\d+) bytes")
_STALE_SECONDS = 24 * 3600
_FALLBACKS: dict[Path, Path] = {}
_FALLBACK_LOCK = threading.Lock()
_WORKER_PRC = "\n".join(
    [
        "bam-texture-mode rawdata",  # textures inside the .bam: the decoded file is temporary
        "model-cache-dir",
        "window-type none",
        "audio-library-name null",
        "notify-level warning",
    ]
)


# -- the cache key -------------------------------------------------------------------------


@cache
def _versions() -> str:
    """What converts a model: package versions, and a digest of the code that reads and
    decodes glTF (the gate's modules and this one), so a decoder fixed between releases
    does not leave models converted by the old one in the cache."""
    found = [_FORMAT]
    for package in ("museion", "panda3d", "panda3d-gltf"):
        try:
            found.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            found.append(f"{package} unknown")
    code = hashlib.sha256()
    scenes = Path(museion.scenes.__file__).parent  # the gate and the decoder, all of it
    for path in [*sorted(scenes.rglob("*.py")), Path(__file__)]:
        name = path.relative_to(scenes) if path.is_relative_to(scenes) else Path(path.name)
        code.update(str(name).encode() + b"\0" + path.read_bytes())
    found.append(f"code {code.hexdigest()}")
    return "\n".join(found) + "\n"


def _hash_file(digest: Any, path: Path) -> None:
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)


def _document(path: Path) -> dict[str, Any]:
    """The glTF JSON of a gated file (empty when it cannot be read: then the worker says)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(20)
            if head[:4] == b"glTF" and len(head) == 20:
                length = int.from_bytes(head[12:16], "little")
                raw = handle.read(min(length, 64 * 1024 * 1024))
            else:
                raw = head + handle.read()
        found = json.loads(raw)
    except (OSError, ValueError, RecursionError):
        return {}
    return found if isinstance(found, dict) else {}


def _external_files(path: Path) -> list[tuple[str, Path]]:
    """Every file the glTF at ``path`` references, through the gate's one resolver."""
    document = _document(path)
    files: list[tuple[str, Path]] = []
    for kind, types in (("buffers", BUFFER_MEDIA_TYPES), ("images", IMAGE_MEDIA_TYPES)):
        entries = document.get(kind)
        for index, entry in enumerate(entries if isinstance(entries, list) else []):
            uri = entry.get("uri") if isinstance(entry, dict) else None
            if not isinstance(uri, str) or uri[:5].lower() == "data:":
                continue
            where = f"/{kind}/{index}/uri"
            with contextlib.suppress(AssetRejected):
                found = resolve_uri(
                    uri, path.parent, where, media_types=types, max_bytes=DEFAULT_MAX_BYTES
                )
                if isinstance(found, FileUri):
                    files.append((where, found.path))
    return files


def cache_key(model: CheckedGltf) -> str:
    """The hex sha256 naming ``model``'s converted file: its bytes, the bytes of every
    file it references, and the versions of what converts it."""
    digest = hashlib.sha256(_versions().encode())
    _hash_file(digest, model.path)
    for where, path in _external_files(model.path):
        digest.update(f"\n{where}\n".encode())
        _hash_file(digest, path)
    return digest.hexdigest()


# -- the parent's side ---------------------------------------------------------------------


def _cache_folder(settings: RuntimeSettings) -> Path:
    """The cache folder, made if need be; a private temp folder when it cannot be used (a
    read-only home must not stop a museum's server)."""
    folder = settings.model_cache_dir
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not os.access(folder, os.W_OK | os.X_OK):
            raise PermissionError(errno.EACCES, "not writable")
    except OSError as exc:
        with _FALLBACK_LOCK:
            if folder not in _FALLBACKS:
                temp = Path(tempfile.mkdtemp(prefix="museion-models-"))
                atexit.register(shutil.rmtree, temp, True)
                logger.warning(
                    "the model cache folder %s cannot be used (%s); models are converted "
                    "into %s for this run only: set runtime.load_cache_dir to a writable folder",
                    folder,
                    exc.strerror or exc,
                    temp,
                )
                _FALLBACKS[folder] = temp
            return _FALLBACKS[folder]
    _sweep(folder)
    return folder


def _sweep(folder: Path) -> None:
    """Remove work folders a killed server left behind (a day old: never a live one)."""
    now = time.time()
    for stale in folder.glob(".load-*"):
        with contextlib.suppress(OSError):
            if now - stale.stat().st_mtime > _STALE_SECONDS:
                for part in stale.iterdir():
                    part.unlink()
                stale.rmdir()


def _evict(folder: Path, limit: int, keep: Path) -> None:
    """Remove the least recently used models until the cache holds at most ``limit``
    bytes (``keep``, just made, stays)."""
    entries = []
    for path in folder.glob("*.bam"):
        with contextlib.suppress(OSError):
            stat = path.stat()
            entries.append((stat.st_mtime, stat.st_size, path))
    total = sum(size for _, size, _ in entries)
    for _, size, path in sorted(entries):
        if total <= limit:
            break
        if path != keep:
            with contextlib.suppress(OSError):
                path.unlink()
                total -= size
                logger.debug("evicted %s from the model cache", path.name)


def _tail(stream: IO[bytes], into: bytearray) -> None:
    """Read ``stream`` to its end keeping only its last bytes (a hostile file can make a
    loader print without end)."""
    while chunk := stream.read(8192):
        into += chunk
        if len(into) > 2 * _TAIL_BYTES:
            del into[:-_TAIL_BYTES]
    del into[:-_TAIL_BYTES]


def _kill(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)  # the worker leads its own session
    process.wait()


def _run_worker(model: CheckedGltf, out: Path, settings: RuntimeSettings) -> None:
    """Run one worker turning ``model`` into ``out``; raises :class:`AssetLoadFailed`."""
    command = [
        sys.executable,
        "-c",
        # Not ``-m``: the package imports this module first, which ``-m`` warns about.
        "import sys; from museion.runtime.load_worker import main; sys.exit(main())",
        str(model.path),
        str(out),
        "--memory-mb",
        str(settings.load_memory_mb),
        "--cpu-seconds",
        str(settings.load_cpu_seconds),
    ]
    started = time.monotonic()
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=out.parent,
            start_new_session=True,
        )
    except OSError as exc:
        raise AssetLoadFailed(
            "LOAD_FAILED",
            model.name,
            f"{model.name}: the load worker could not be started ({exc.strerror}); "
            "check that the server's Python can run and has free memory",
        ) from exc
    logger.info("load worker %d started for %s", process.pid, model.name)
    assert process.stdout is not None and process.stderr is not None
    stdout, stderr = bytearray(), bytearray()
    readers = [
        threading.Thread(target=_tail, args=(process.stdout, stdout), daemon=True),
        threading.Thread(target=_tail, args=(process.stderr, stderr), daemon=True),
    ]
    for reader in readers:
        reader.start()
    try:
        process.wait(timeout=settings.load_wall_seconds)
    except subprocess.TimeoutExpired:
        _kill(process)
        raise AssetLoadFailed(
            "LOAD_TIMEOUT",
            model.name,
            f"{model.name}: loading took longer than {settings.load_wall_seconds:g} s and was "
            "stopped; make the model lighter (museion optimize) or raise "
            "runtime.load_wall_seconds",
        ) from None
    finally:
        if process.returncode is None:
            _kill(process)
        for reader in readers:
            reader.join()
        process.stdout.close()
        process.stderr.close()
    if stderr:
        logger.debug("load worker %d said: %s", process.pid, stderr.decode(errors="replace"))
    _judge(process.returncode, bytes(stdout), bytes(stderr), model, settings)
    if not out.is_file():
        raise AssetLoadFailed(
            "LOAD_FAILED",
            model.name,
            f"{model.name}: the load worker ended without a model; "
            "re-export the file and check it with museion validate",
        )
    logger.info("converted %s in %.2f s", model.name, time.monotonic() - started)


def _judge(
    status: int, stdout: bytes, stderr: bytes, model: CheckedGltf, settings: RuntimeSettings
) -> None:
    """Turn the worker's exit into nothing (it worked) or the error that says why not."""
    name = model.name
    reply: dict[str, Any] = {}
    with contextlib.suppress(ValueError, IndexError):
        found = json.loads(stdout.strip().splitlines()[-1])
        reply = found if isinstance(found, dict) else {}
    if status == 0 and reply.get("ok") is True:
        return
    out_of_memory = status == _EXIT_OUT_OF_MEMORY or reply.get("kind") == "out_of_memory"
    if status < 0 and -status == signal.SIGXCPU:
        raise AssetLoadFailed(
            "LOAD_CPU_LIMIT",
            name,
            f"{name}: loading used more than {settings.load_cpu_seconds} s of CPU time and "
            "was stopped; make the model lighter (museion optimize) or raise "
            "runtime.load_cpu_seconds",
        )
    if out_of_memory or (status != 0 and any(m in stderr for m in _OOM_MARKERS)):
        asked = _ASKED.search(stderr)
        at_once = f" (it asked for {int(asked[1]) / 2**20:,.0f} MiB at once)" if asked else ""
        raise AssetLoadFailed(
            "LOAD_OUT_OF_MEMORY",
            name,
            f"{name}: loading needed more than the {settings.load_memory_mb} MiB of memory "
            f"allowed{at_once} and was stopped; make the model lighter (fewer triangles, "
            "smaller textures: museion optimize) or raise runtime.load_memory_mb",
        )
    if status < 0:
        try:
            signame = signal.Signals(-status).name
        except ValueError:
            signame = f"signal {-status}"
        raise AssetLoadFailed(
            "LOAD_CRASHED",
            name,
            f"{name}: the glTF loader crashed ({signame}) on this file, which is probably "
            "damaged or hostile; re-export it from the authoring tool and check it with "
            "museion validate",
        )
    reason = reply.get("reason")
    if not isinstance(reason, str) or not reason:
        reason = f"the load worker exited with status {status}"
    # The reason may quote the file (a key name, say): one line, printable, short.
    reason = "".join(c if c.isprintable() else "?" for c in " ".join(reason.split()))[:300]
    raise AssetLoadFailed(
        "LOAD_FAILED",
        name,
        f"{name}: the model could not be loaded ({reason}); re-export it from the "
        "authoring tool and check it with museion validate",
    )


def convert_model(model: CheckedGltf, settings: RuntimeSettings, key: str | None = None) -> Path:
    """The cached ``.bam`` of ``model``, made by a worker when not cached yet.

    Raises :class:`AssetLoadFailed` when the worker fails, crashes, runs out of its limits
    or of time.  Safe to call from several threads (each worker has its own folder).
    """
    folder = _cache_folder(settings)
    final = folder / f"{key or cache_key(model)}.bam"
    if final.is_file():
        logger.debug("%s: converted model found in the cache", model.name)
        with contextlib.suppress(OSError):
            os.utime(final)  # recently used: the last to be evicted
        return final
    try:
        with tempfile.TemporaryDirectory(dir=folder, prefix=".load-") as work:
            out = Path(work) / "model.bam"
            _run_worker(model, out, settings)
            os.replace(out, final)
        _evict(folder, settings.load_cache_mb * 1024 * 1024, keep=final)
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


def _read_bam(path: Path) -> Any:
    from panda3d.core import Filename, Loader, LoaderOptions, NodePath

    options = LoaderOptions(LoaderOptions.LF_no_cache | LoaderOptions.LF_report_errors)
    node = Loader.get_global_ptr().load_sync(Filename.from_os_specific(str(path)), options)
    return None if node is None else NodePath(node)


def load_model(model: CheckedGltf, settings: RuntimeSettings, converted: Path | None = None) -> Any:
    """``model`` as a Panda3D NodePath, through the worker and the cache.

    ``converted`` is the ``.bam`` :func:`convert_models` already made.  A cached file that
    Panda3D cannot read (a disk that filled up) is converted once more.  Call it where
    Panda3D may be used (the render thread).  Raises :class:`AssetLoadFailed`.
    """
    bam = converted or convert_model(model, settings)
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


# -- the worker's side ---------------------------------------------------------------------


def _limit(memory_mb: int, cpu_seconds: int) -> None:
    memory = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    # Past the soft limit the kernel sends SIGXCPU (which ends Python), at the hard one
    # SIGKILL.
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 2))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a crash leaves no core file behind


def _stall() -> None:
    """The test seam: sleep or spin as ``MUSEION_LOAD_WORKER_STALL`` says."""
    how, _, seconds = os.environ.get(STALL_ENV, "").partition(":")
    if how not in ("sleep", "spin"):
        return
    until = time.monotonic() + float(seconds or 0)
    while time.monotonic() < until:
        if how == "sleep":
            time.sleep(0.05)


def _convert(source: Path, out: Path) -> None:
    from museion.scenes.gltf.decode import decode_to_glb

    decoded = decode_to_glb(source)
    if decoded is not None:
        source = out.with_name("decoded.glb")
        source.write_bytes(decoded)
    import gltf
    from panda3d.core import Filename, NodePath, loadPrcFileData

    loadPrcFileData("museion-load-worker", _WORKER_PRC)
    _stall()
    node = NodePath(gltf.load_model(str(source), gltf.GltfSettings(collision_shapes="none")))
    part = out.with_name(out.name + ".part")
    if not node.write_bam_file(Filename.from_os_specific(str(part))):
        raise OSError("Panda3D could not write the converted model")
    os.replace(part, out)


def _reason(exc: BaseException) -> str:
    """One line a technician can read: never a traceback."""
    if isinstance(exc, AssetRejected):
        return f"{exc.code}: {exc.detail}"[:300]
    if isinstance(exc, RecursionError):
        return "its node hierarchy nests too deeply or loops"
    text = " ".join(str(exc).split())[:300]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _is_out_of_memory(exc: BaseException) -> bool:
    text = str(exc).encode(errors="replace")
    return isinstance(exc, MemoryError) or any(m in text for m in _OOM_MARKERS)


def main(argv: Sequence[str] | None = None) -> int:
    """The worker: ``SOURCE OUT --memory-mb N --cpu-seconds N``; one JSON line on stdout."""
    parser = argparse.ArgumentParser(prog="museion-load-worker")
    parser.add_argument("source", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--memory-mb", type=int, required=True)
    parser.add_argument("--cpu-seconds", type=int, required=True)
    args = parser.parse_args(argv)
    # The result goes to the real stdout; whatever the loaders print goes to stderr.
    result = os.dup(1)
    os.dup2(2, 1)
    _limit(args.memory_mb, args.cpu_seconds)
    try:
        _convert(args.source, args.out)
    except Exception as exc:  # the process boundary: every failure becomes one line
        if _is_out_of_memory(exc):
            with contextlib.suppress(OSError):
                os.write(result, b'{"ok": false, "kind": "out_of_memory"}\n')
            return _EXIT_OUT_OF_MEMORY
        reply = {"ok": False, "kind": "failed", "reason": _reason(exc)}
        os.write(result, (json.dumps(reply) + "\n").encode())
        return _EXIT_FAILED
    os.write(result, b'{"ok": true}\n')
    return 0


if __name__ == "__main__":
    sys.exit(main())
