"""``museion serve [DOCUMENT | DIR]``: the gallery for browsers, until SIGINT or SIGTERM.

A document is served at ``/``; a folder is a hall of exhibitions, each at ``/e/<id>/``
(:mod:`museion.streaming.hall`).

Settings come in layers (defaults < ``--config`` TOML < ``MUSEION_*`` environment < flags,
see :mod:`museion.tools.config`); the server itself is
:func:`museion.streaming.server.serve_scene`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from museion.tools.cli.running import until_stopped

if TYPE_CHECKING:
    from museion.runtime.settings import RuntimeSettings
    from museion.streaming.settings import StreamSettings
    from museion.streaming.staff import StaffSettings

__all__ = ["HELP", "add_arguments", "add_cluster_arguments", "run"]

HELP = "serve the gallery to browsers"

# The flags that fill StreamSettings fields of the same name.
_STREAM_FLAGS = (
    "host",
    "port",
    "max_sessions",
    "codec",
    "ice_addresses",
    "announced_address",
    "publish_token",
    "stream_tokens",
    "max_live_viewers",
    "record_dir",
    "relay_workers",
    "docent_token",
    "redis_url",
    "node_id",
    "cluster_secret",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of ``serve``."""
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to listen on (default 8080; 0 = any)")
    parser.add_argument(
        "document",
        nargs="?",
        type=Path,
        help="a scene document (.scene.json) to serve, its folder the asset root; or a "
        "folder of exhibitions (each DIR/<id>/ or DIR/<id>.scene.json, served at /e/<id>/)",
    )
    parser.add_argument("--scene", help="relic .glb under the asset root (default relic.glb)")
    parser.add_argument("--venue", default="venue.glb", help="venue .glb under the asset root")
    parser.add_argument("--assets", type=Path, help="asset root folder (default ./assets)")
    parser.add_argument(
        "--config",
        type=Path,
        default=os.environ.get("MUSEION_CONFIG"),
        help="TOML file with [runtime] and [streaming] sections",
    )
    parser.add_argument("--max-sessions", type=int, help="visitors served at once")
    parser.add_argument("--codec", choices=["VP8", "H264"], help="video codec")
    parser.add_argument(
        "--ice-address",
        action="append",
        dest="ice_addresses",
        help="local address to gather ICE candidates on (repeatable)",
    )
    parser.add_argument(
        "--publish-token",
        help="bearer token that may publish any live stream over WHIP (demos, tests)",
    )
    parser.add_argument(
        "--stream-token",
        action="append",
        dest="stream_tokens",
        metavar="STREAM=TOKEN",
        help="the bearer token that may publish STREAM (repeatable)",
    )
    parser.add_argument("--max-live-viewers", type=int, help="live-show viewers served at once")
    parser.add_argument(
        "--record", dest="record_dir", metavar="DIR", help="record every live show here (MP4)"
    )
    parser.add_argument(
        "--relay-workers",
        type=int,
        help="processes sending live shows to viewers (default: one per core; 0: none)",
    )
    parser.add_argument(
        "--docent-token",
        help="bearer token a docent's page gives to lead a tour that others follow",
    )
    parser.add_argument(
        "--announce",
        dest="announced_address",
        help="public address to announce in ICE candidates (1:1 NAT) and to the cluster",
    )
    parser.add_argument(
        "--users",
        type=str,
        metavar="FILE",
        help="the staff accounts file (museion user add) that opens the studio of a folder",
    )
    add_cluster_arguments(parser)
    parser.add_argument(
        "--node-id", help="this node's name in the cluster (default: host name + random)"
    )


def add_cluster_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags a node and the door share."""
    parser.add_argument(
        "--redis",
        dest="redis_url",
        metavar="URL",
        help="join the cluster of redis://[user:password@]host:6379/0 (rediss:// for TLS); "
        "better given as MUSEION_STREAMING_REDIS_URL, out of the process list",
    )
    parser.add_argument(
        "--cluster-secret",
        help="the secret nodes of one cluster share (or MUSEION_STREAMING_CLUSTER_SECRET)",
    )


def run(args: argparse.Namespace) -> int:
    """Serve until a signal; exit 0 after a clean stop."""
    return asyncio.run(_serve(args))


async def _serve(args: argparse.Namespace) -> int:
    # Imported here: ``museion --help`` and the other verbs need neither Panda3D nor aiortc.
    from museion.runtime.settings import RuntimeSettings
    from museion.scenes.checked_scene import CheckedScene, open_scene
    from museion.scenes.showcase import Showcase, open_showcase
    from museion.streaming.server import serve_scene
    from museion.streaming.settings import StreamSettings
    from museion.streaming.staff import StaffSettings
    from museion.tools.config import build_settings, read_config_file

    file = read_config_file(args.config)
    stream_flags: dict[str, Any] = {k: getattr(args, k) for k in _STREAM_FLAGS}
    streaming = build_settings(StreamSettings, section="streaming", file=file, flags=stream_flags)
    runtime = build_settings(
        RuntimeSettings, section="runtime", file=file, flags={"asset_root": args.assets}
    )
    if args.document is not None and args.document.is_dir():
        staff = build_settings(
            StaffSettings, section="staff", file=file, flags={"users_file": args.users}
        )
        return await _serve_hall(args.document, runtime, streaming, staff)
    scene: CheckedScene | Showcase
    if args.document is not None:
        scene = open_scene(args.document, args.assets)
        name = str(args.document)
    else:
        scene = open_showcase(runtime.asset_root, args.scene or "relic.glb", args.venue)
        name = scene.relic.name
    async with serve_scene(scene, runtime, streaming) as gallery:
        sys.stdout.write(f"Museion is serving {name} at {gallery.url}/\n")
        sys.stdout.flush()
        await until_stopped()
    return 0


async def _serve_hall(
    folder: Path, runtime: RuntimeSettings, streaming: StreamSettings, staff: StaffSettings
) -> int:
    from museion.streaming.hall import Catalog, serve_hall
    from museion.streaming.staff import StaffGate
    from museion.streaming.studio import studio_installers
    from museion.tools.studio import import_for_server, narrate_for_server

    if streaming.redis_url is not None:
        sys.stderr.write("museion serve: a folder of exhibitions cannot join a cluster yet\n")
        return 2
    count = len(Catalog(folder).entries())
    studio = studio_installers(StaffGate(staff), import_for_server, narrator=narrate_for_server)
    async with serve_hall(folder, runtime, streaming, studio) as hall:
        sys.stdout.write(f"Museion is serving {count} exhibitions from {folder} at {hall.url}/\n")
        if staff.users_file is None:
            sys.stdout.write("The studio is closed: no staff accounts (give --users FILE).\n")
        sys.stdout.flush()
        await until_stopped()
    return 0
