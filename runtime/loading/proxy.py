"""Proxy first: a heavy model's first frames show a light stand-in while the whole model
is read in the background.

At conversion the worker writes, beside a model's ``.bam``, a ``.proxy.bam``: the same
nodes drawn with the lighter meshes made for moving previews
(:func:`museion.runtime.moving.attach_lighter_meshes`) and textures of at most
:data:`PROXY_TEXTURE_SIDE` texels.  A server reads the proxy (a fraction of a second),
shows it, and reads the whole ``.bam`` on a thread of its own; the swap happens on the
render thread, between two frames, and the engine then has every view draw anew.  A model
that moves (skins, morphs, node animations) gets no proxy: its animation is bound to its
own nodes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from museion.runtime.loading.textures import shrink_texture, texture_bytes

__all__ = ["PROXY_TAG", "PROXY_TEXTURE_SIDE", "load_with_proxy", "proxy_path", "write_proxy"]

logger = logging.getLogger(__name__)

PROXY_TAG = "museion-proxy"
"""Tagged on the node :func:`load_with_proxy` returns (it holds a proxy first)."""
PROXY_MIN_TRIANGLES = 200_000
PROXY_MIN_TEXTURE_MIB = 64
"""A model gets a proxy when it has this many triangles or MiB of textures: lighter ones
read whole in a tenth of a second or so, and the proxy would only add a swap."""
PROXY_TEXTURE_SIDE = 256
"""Texels across a proxy's textures: a 720p frame's relic for the second it is shown."""


def proxy_path(bam: Path) -> Path:
    """Where the proxy of the converted model ``bam`` is kept."""
    return bam.with_suffix(".proxy.bam")


def write_proxy(model: Any, bam: Path) -> bool:
    """Turn ``model`` (converted, with its lighter meshes attached, and already written
    to ``bam``) into its proxy, written beside ``bam``; False (and nothing written) when
    it is light, has no lighter mesh, or moves."""
    from panda3d.core import Filename

    from museion.runtime.moving import MOVING_NODE, stored_lighter

    if any(not model.find(f"**/+{kind}").is_empty() for kind in ("Character", "AnimBundleNode")):
        return False
    triangles = sum(
        path.node().get_geom(i).get_primitive(p).get_num_faces()
        for path in model.find_all_matches("**/+GeomNode")
        for i in range(path.node().get_num_geoms())
        for p in range(path.node().get_geom(i).get_num_primitives())
    )
    heavy_textures = texture_bytes(model) >= PROXY_MIN_TEXTURE_MIB * 2**20
    if triangles < PROXY_MIN_TRIANGLES and not heavy_textures:
        return False
    proxy = model  # in place: a copy would not keep the stashed lighter meshes
    swapped = 0
    for path in proxy.find_all_matches("**/+GeomNode"):
        for i, lighter in stored_lighter(path).items():
            path.node().set_geom(i, lighter)
            swapped += 1
        for child in path.get_stashed_children():
            if child.get_name() == MOVING_NODE:
                child.remove_node()
    if not swapped:
        return False
    for texture in proxy.find_all_textures():
        shrink_texture(texture, PROXY_TEXTURE_SIDE)
    out = proxy_path(bam)
    part = out.with_name(out.name + ".part")
    if not proxy.write_bam_file(Filename.from_os_specific(str(part))):
        raise OSError("Panda3D could not write the model's proxy")
    part.replace(out)
    return True


def load_with_proxy(
    name: str,
    bam: Path,
    read: Callable[[Path], Any],
    arrived: Callable[[Any, Callable[[], None]], None],
) -> Any | None:
    """``bam``'s model as a node holding its proxy, or None when it has no proxy.

    A thread then reads the whole model with ``read`` (None when unreadable: the proxy
    stays, and the log says why) and hands ``arrived``, on that thread, the whole model
    and the swap, which must run on the render thread."""
    from panda3d.core import NodePath

    proxy = read(proxy_path(bam)) if proxy_path(bam).is_file() else None
    if proxy is None:
        return None
    holder = NodePath(name)
    holder.set_tag(PROXY_TAG, "1")
    proxy.reparent_to(holder)
    started = time.perf_counter()

    def whole() -> None:
        full = read(bam)
        if full is None:
            logger.error("%s: the whole model %s is unreadable; its proxy stays", name, bam)
            return
        logger.info("%s: whole model read in %.2f s", name, time.perf_counter() - started)

        def swap() -> None:
            full.reparent_to(holder)
            proxy.remove_node()

        arrived(full, swap)

    threading.Thread(target=whole, name=f"museion-full-{name}"[:40], daemon=True).start()
    return holder
