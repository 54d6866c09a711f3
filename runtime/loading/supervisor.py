"""The supervisor: runs one worker process on a model and judges how it ended.

A fresh Python process (fork+exec, never a bare fork of the server with its OpenGL context
and threads) runs :func:`museion.runtime.loading.worker.main`; the supervisor keeps only
the tail of what it prints, kills it after the wall-time limit, and turns whatever went
wrong (a crash, a limit, a refusal) into an :class:`AssetLoadFailed` for that asset alone.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

from museion.runtime.errors import AssetLoadFailed
from museion.runtime.loading.worker import EXIT_OUT_OF_MEMORY, OOM_MARKERS
from museion.runtime.settings import RuntimeSettings
from museion.scenes.gltf.gate import CheckedGltf

__all__ = ["conversion_arguments", "run_worker"]

logger = logging.getLogger(__name__)

_TAIL_BYTES = 64 * 1024
_ASKED = re.compile(rb"Out of memory allocating (\d+) bytes")


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


def conversion_arguments(settings: RuntimeSettings) -> list[str]:
    """The worker's options that change what it writes (so they are part of the cache
    key too)."""
    return [
        f"--max-texture-size={settings.max_texture_size}",
        f"--moving-detail={settings.moving_detail!r}",
        f"--moving-min-triangles={settings.moving_min_triangles}",
        f"--moving-max-triangles={settings.moving_max_triangles}",
    ]


def run_worker(model: CheckedGltf, out: Path, settings: RuntimeSettings) -> None:
    """Run one worker turning ``model`` into ``out``; raises :class:`AssetLoadFailed`."""
    command = [
        sys.executable,
        "-c",
        # Not ``-m``: the package imports this module first, which ``-m`` warns about.
        "import sys; from museion.runtime.loading.worker import main; sys.exit(main())",
        str(model.path),
        str(out),
        "--memory-mb",
        str(settings.load_memory_mb),
        "--cpu-seconds",
        str(settings.load_cpu_seconds),
        *conversion_arguments(settings),
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
    out_of_memory = status == EXIT_OUT_OF_MEMORY or reply.get("kind") == "out_of_memory"
    if status < 0 and -status == signal.SIGXCPU:
        raise AssetLoadFailed(
            "LOAD_CPU_LIMIT",
            name,
            f"{name}: loading used more than {settings.load_cpu_seconds} s of CPU time and "
            "was stopped; make the model lighter (museion optimize) or raise "
            "runtime.load_cpu_seconds",
        )
    if out_of_memory or (status != 0 and any(m in stderr for m in OOM_MARKERS)):
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
