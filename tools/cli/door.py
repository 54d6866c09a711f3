"""``museion door --redis URL``: the cluster's public address, until SIGINT or SIGTERM.

No renderer: it serves the gallery page and places each visitor on a node registered in
Redis, by redirect (:mod:`museion.streaming.cluster.door`).  Settings come in layers as
``serve``'s do (defaults < ``--config`` TOML < ``MUSEION_*`` environment < flags).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import Any

from museion.tools.cli.running import until_stopped
from museion.tools.cli.serve import add_cluster_arguments

__all__ = ["HELP", "add_arguments", "run"]

HELP = "place visitors on the nodes of a cluster (no renderer)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of ``door``."""
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to listen on (default 8080; 0 = any)")
    parser.add_argument(
        "--config",
        type=Path,
        default=os.environ.get("MUSEION_CONFIG"),
        help="TOML file with a [streaming] section",
    )
    add_cluster_arguments(parser)


def run(args: argparse.Namespace) -> int:
    """Place visitors until a signal; exit 0 after a clean stop, 2 without a cluster."""
    return asyncio.run(_door(args))


async def _door(args: argparse.Namespace) -> int:
    from museion.streaming.cluster.door import serve_door
    from museion.streaming.settings import StreamSettings
    from museion.tools.config import build_settings, read_config_file

    file = read_config_file(args.config)
    flags: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "redis_url": args.redis_url,
        "cluster_secret": args.cluster_secret,
    }
    settings = build_settings(StreamSettings, section="streaming", file=file, flags=flags)
    if settings.redis_url is None:
        sys.stderr.write("museion door: a cluster is needed: --redis URL\n")
        return 2
    async with serve_door(settings, settings.redis_url) as url:
        sys.stdout.write(f"Museion's door is placing visitors at {url}/\n")
        sys.stdout.flush()
        await until_stopped()
    return 0
