"""The ``museion`` command: a thin shell over the library.

Exit codes: 0 success, 1 failure (the reason is printed), 2 usage error.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from museion.scenes.errors import MuseionError, SceneInvalid
from museion.tools.inspect_command import add_inspect_command
from museion.tools.optimize_command import add_optimize_command
from museion.tools.preview_command import add_preview_command
from museion.tools.publish_command import add_publish_command
from museion.tools.scene_commands import add_scene_commands, run_scene_command
from museion.tools.validate_command import add_validate_command, run_validate

__all__ = ["main"]

logger = logging.getLogger(__name__)


def _version() -> str:
    try:
        return version("museion")
    except PackageNotFoundError:
        return "unknown"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="museion", description="Museion: server-rendered glTF exhibitions over WebRTC."
    )
    parser.add_argument("--version", action="version", version=f"museion {_version()}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB")

    serve = verbs.add_parser("serve", help="serve the gallery to browsers")
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default 8080; 0 = any)")
    serve.add_argument(
        "document",
        nargs="?",
        type=Path,
        help="a scene document (.scene.json) to serve; its folder is the asset root",
    )
    serve.add_argument("--scene", help="relic .glb under the asset root (default relic.glb)")
    serve.add_argument("--venue", default="venue.glb", help="venue .glb under the asset root")
    serve.add_argument("--assets", type=Path, help="asset root folder (default ./assets)")
    serve.add_argument(
        "--config",
        type=Path,
        default=os.environ.get("MUSEION_CONFIG"),
        help="TOML file with [runtime] and [streaming] sections",
    )
    serve.add_argument("--max-sessions", type=int, help="visitors served at once")
    serve.add_argument("--codec", choices=["VP8", "H264"], help="video codec")
    serve.add_argument(
        "--ice-address",
        action="append",
        dest="ice_addresses",
        help="local address to gather ICE candidates on (repeatable)",
    )
    serve.add_argument(
        "--publish-token",
        help="bearer token that may publish any live stream over WHIP (demos, tests)",
    )
    serve.add_argument(
        "--stream-token",
        action="append",
        dest="stream_tokens",
        metavar="STREAM=TOKEN",
        help="the bearer token that may publish STREAM (repeatable)",
    )
    serve.add_argument("--max-live-viewers", type=int, help="live-show viewers served at once")
    serve.add_argument(
        "--record", dest="record_dir", metavar="DIR", help="record every live show here (MP4)"
    )
    serve.add_argument(
        "--relay-workers",
        type=int,
        help="processes sending live shows to viewers (default: one per core; 0: none)",
    )
    serve.add_argument(
        "--announce",
        dest="announced_address",
        help="public address to announce in ICE candidates (1:1 NAT)",
    )

    samples = verbs.add_parser(
        "samples", help="regenerate the sample relics, hall, pedestal and venue"
    )
    samples.add_argument("out", nargs="?", type=Path, default=Path("assets"))
    add_scene_commands(verbs)
    add_validate_command(verbs)
    add_inspect_command(verbs)
    add_optimize_command(verbs)
    add_preview_command(verbs)
    add_publish_command(verbs)
    return parser


async def _serve(args: argparse.Namespace) -> int:
    from aiohttp import web

    from museion.runtime.engine import RenderEngine
    from museion.runtime.settings import RuntimeSettings
    from museion.scenes.checked_scene import CheckedScene, open_scene
    from museion.scenes.showcase import Showcase, open_showcase
    from museion.streaming.server import make_app, make_runner
    from museion.streaming.settings import StreamSettings
    from museion.tools.config import build_settings, read_config_file

    file = read_config_file(args.config)
    stream_flags: dict[str, Any] = {
        k: getattr(args, k)
        for k in (
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
        )
    }
    streaming = build_settings(StreamSettings, section="streaming", file=file, flags=stream_flags)
    runtime = build_settings(
        RuntimeSettings, section="runtime", file=file, flags={"asset_root": args.assets}
    )
    scene: CheckedScene | Showcase
    if args.document is not None:
        scene = open_scene(args.document, args.assets)
        name = str(args.document)
    else:
        scene = open_showcase(runtime.asset_root, args.scene or "relic.glb", args.venue)
        name = scene.relic.name
    loop = asyncio.get_running_loop()
    engine = await loop.run_in_executor(None, RenderEngine, scene, runtime)
    runner = make_runner(make_app(engine, streaming), streaming)
    await runner.setup()
    try:
        site = web.TCPSite(runner, streaming.host, streaming.port)
        try:
            await site.start()
        except OSError as exc:
            raise MuseionError(
                f"cannot listen on {streaming.host}:{streaming.port}: {exc.strerror}",
                code="LISTEN_FAILED",
            ) from exc
        port = runner.addresses[0][1]
        sys.stdout.write(f"Museion is serving {name} at http://{streaming.host}:{port}/\n")
        sys.stdout.flush()
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
    finally:
        await runner.cleanup()
        await loop.run_in_executor(None, engine.close)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not args.verbose:
        # aioice logs every ICE candidate pair check at INFO: useful only when debugging.
        for noisy in ("aioice", "aiortc"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    if args.verb is None:
        parser.print_usage(sys.stderr)
        return 2
    try:
        if args.verb == "serve":
            return asyncio.run(_serve(args))
        if args.verb == "scene":
            return run_scene_command(args)
        if args.verb == "validate":
            return run_validate(args)
        if hasattr(args, "run"):
            result: int = args.run(args)
            return result
        from museion.tools.sample_assets import write_samples

        for path in write_samples(args.out):
            sys.stdout.write(f"wrote {path}\n")
        return 0
    except SceneInvalid as exc:
        for issue in exc.issues:
            sys.stderr.write(f"museion: {issue}\n")
        return 1
    except MuseionError as exc:
        sys.stderr.write(f"museion: {exc.code}: {exc.message}\n")
        return 1
    except OSError as exc:
        # The file system or the network said no somewhere no layer turned it into its
        # own error yet: a sentence still, the traceback only with --verbose.
        logger.debug("unexpected system error", exc_info=True)
        where = f"{exc.filename}: " if exc.filename is not None else ""
        sys.stderr.write(f"museion: SYSTEM_ERROR: {where}{exc.strerror or exc}\n")
        return 1
    except KeyboardInterrupt:
        return 1


if __name__ == "__main__":
    sys.exit(main())
