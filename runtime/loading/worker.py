"""The worker process: caps its own memory and CPU, decodes and loads one glTF with
panda3d-gltf, and writes a self-contained ``.bam`` (textures within the size cap, lighter
meshes for moving previews made once here: :mod:`.textures`, :mod:`museion.runtime.moving`).

panda3d-gltf aborts the whole process on some files (a huge accessor count), crashes on
others (a buffer claiming a terabyte) and recurses on node cycles, so the server never runs
it itself.  The worker caps its address space (``RLIMIT_AS``) and CPU time
(``RLIMIT_CPU``), decodes the file (:func:`museion.scenes.gltf.decode.decode_to_glb`) and
answers with one JSON line on stdout.

Test seam: the environment variable ``MUSEION_LOAD_WORKER_STALL`` (``sleep:SECONDS`` or
``spin:SECONDS``) makes the worker sleep or burn CPU just before it loads, so tests can
show a timeout, a CPU limit and a worker killed mid-load with real processes.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from museion.scenes.errors import AssetRejected

__all__ = ["EXIT_OUT_OF_MEMORY", "OOM_MARKERS", "STALL_ENV", "main"]

STALL_ENV = "MUSEION_LOAD_WORKER_STALL"
EXIT_FAILED = 1
EXIT_OUT_OF_MEMORY = 3
OOM_MARKERS = (
    b"Out of memory",
    b"MemoryError",
    b"bad_alloc",
    b"Cannot allocate memory",
    b"cannot allocate memory",
    b"failed to map segment",
)
"""What a loader out of memory writes (to stderr, or in its exception)."""
_WORKER_PRC = "\n".join(
    [
        "bam-texture-mode rawdata",  # textures inside the .bam: the decoded file is temporary
        "model-cache-dir",
        "window-type none",
        "audio-library-name null",
        "notify-level warning",
    ]
)


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


def _convert(source: Path, out: Path, settings: Any) -> None:
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
    _bake_tiny_scales(node)
    from museion.runtime.loading.textures import shrink_textures
    from museion.runtime.moving import attach_lighter_meshes

    shrink_textures(node, settings.max_texture_size)
    lighter = attach_lighter_meshes(node, settings)
    part = out.with_name(out.name + ".part")
    if not node.write_bam_file(Filename.from_os_specific(str(part))):
        raise OSError("Panda3D could not write the converted model")
    os.replace(part, out)
    if lighter and not _animated(source):
        from museion.runtime.loading.proxy import write_proxy

        write_proxy(node, out)  # last: it turns the model into its proxy


def _animated(source: Path) -> bool:
    """Whether the glTF at ``source`` has animations (bound to its own nodes: no proxy)."""
    from museion.scenes.gltf.glb import GLB_MAGIC, read_glb

    data = source.read_bytes()
    try:
        document = json.loads(read_glb(data, source.name).json if data[:4] == GLB_MAGIC else data)
    except (AssetRejected, ValueError, RecursionError):
        return True
    return not isinstance(document, dict) or bool(document.get("animations"))


TINY_SCALE = 1e-3


def _bake_tiny_scales(node: Any) -> None:
    """A quantized model (``KHR_mesh_quantization``, as the optimizer writes) keeps integer
    positions under a node scale of ~1e-5; Panda3D's ray tests against visible geometry
    miss under such a scale, so a click on the relic found nothing.  Such transforms are
    baked into the vertices (float positions, the same picture)."""
    if not node.find("**/+Character").is_empty():
        return  # flattening would move a skinned mesh off its joints
    for geom in node.find_all_matches("**/+GeomNode"):
        scale = geom.get_transform(node).get_scale()
        if min(abs(scale[0]), abs(scale[1]), abs(scale[2])) < TINY_SCALE:
            node.flatten_light()
            return


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
    return isinstance(exc, MemoryError) or any(m in text for m in OOM_MARKERS)


def main(argv: Sequence[str] | None = None) -> int:
    """The worker: ``SOURCE OUT --memory-mb N --cpu-seconds N``; one JSON line on stdout."""
    parser = argparse.ArgumentParser(prog="museion-load-worker")
    parser.add_argument("source", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--memory-mb", type=int, required=True)
    parser.add_argument("--cpu-seconds", type=int, required=True)
    parser.add_argument("--max-texture-size", type=int, default=2048)
    parser.add_argument("--moving-detail", type=float, default=0.25)
    parser.add_argument("--moving-min-triangles", type=int, default=4096)
    parser.add_argument("--moving-max-triangles", type=int, default=50_000)
    args = parser.parse_args(argv)
    # The result goes to the real stdout; whatever the loaders print goes to stderr.
    result = os.dup(1)
    os.dup2(2, 1)
    _limit(args.memory_mb, args.cpu_seconds)
    try:
        from museion.runtime.settings import RuntimeSettings

        settings = RuntimeSettings(
            max_texture_size=args.max_texture_size,
            moving_detail=args.moving_detail,
            moving_min_triangles=args.moving_min_triangles,
            moving_max_triangles=args.moving_max_triangles,
        )
        _convert(args.source, args.out, settings)
    except Exception as exc:  # the process boundary: every failure becomes one line
        if _is_out_of_memory(exc):
            with contextlib.suppress(OSError):
                os.write(result, b'{"ok": false, "kind": "out_of_memory"}\n')
            return EXIT_OUT_OF_MEMORY
        reply = {"ok": False, "kind": "failed", "reason": _reason(exc)}
        os.write(result, (json.dumps(reply) + "\n").encode())
        return EXIT_FAILED
    os.write(result, b'{"ok": true}\n')
    return 0


if __name__ == "__main__":
    sys.exit(main())
