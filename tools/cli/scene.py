"""``museion scene ...``: validate, create and describe scene documents (a thin shell)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from museion.scenes.document.file import dump_scene, read_scene, save_scene
from museion.scenes.document.loader import load_scene
from museion.scenes.document.model import Exhibit, Metadata, SceneDocument
from museion.scenes.document.schema import SCENE_SCHEMA
from museion.scenes.errors import SceneError, SceneInvalid
from museion.tools.errors import ConfigError
from museion.tools.narration import DEFAULT_VOICES, NarrationOptions, narrate

__all__ = ["HELP", "add_arguments", "run"]

HELP = "validate, create and describe scene documents"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The actions of ``scene`` (validate, new, schema, narrate) and their flags."""
    actions = parser.add_subparsers(dest="scene_verb", metavar="ACTION", required=True)
    validate = actions.add_parser("validate", help="check a scene document (exit 0 valid, 1 not)")
    validate.add_argument("file", type=Path)
    validate.add_argument(
        "--assets", type=Path, help="asset root the document's files live in (default: its folder)"
    )
    validate.add_argument("--json", action="store_true", help="print the report as JSON")
    new = actions.add_parser("new", help="write a new scene document")
    new.add_argument("file", type=Path)
    new.add_argument("--venue", default="venue.glb")
    new.add_argument("--relic", default="relic.glb")
    new.add_argument(
        "--languages", default="zh,en", help="comma-separated BCP 47 tags, the first is the default"
    )
    new.add_argument("--force", action="store_true", help="replace an existing file")
    actions.add_parser("schema", help="print the JSON Schema of scene documents")
    narrate = actions.add_parser(
        "narrate", help="speak every tour step's narration (espeak-ng) and add the recordings"
    )
    narrate.add_argument("file", type=Path)
    narrate.add_argument("--assets", type=Path, help="asset root (default: the file's folder)")
    narrate.add_argument("--tour", action="append", default=[], help="only this tour (repeatable)")
    narrate.add_argument(
        "--voice",
        action="append",
        default=[],
        metavar="LANG=VOICE",
        type=_voice,
        help="espeak-ng voice for a language, e.g. zh=cmn (repeatable)",
    )
    narrate.add_argument("--force", action="store_true", help="replace existing recordings")


def _validate(args: argparse.Namespace) -> int:
    root = args.assets or args.file.parent
    try:
        document = read_scene(args.file, asset_root=root)
    except SceneInvalid as exc:  # the report is the output, not a failure message
        if args.json:
            report = {"valid": False, "issues": [i.to_dict() for i in exc.issues]}
            sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
        else:
            for issue in exc.issues:
                sys.stdout.write(f"{args.file}:{issue}\n")
        return 1
    if args.json:
        report = {
            "valid": True,
            "issues": [],
            "exhibits": len(document.exhibits),
            "tours": len(document.tours),
        }
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
    else:
        sys.stdout.write(
            f"{args.file}: valid ({len(document.exhibits)} exhibits, {len(document.tours)} tours)\n"
        )
    return 0


def _new(args: argparse.Namespace) -> int:
    if os.path.lexists(args.file) and not args.force:  # a link, even a broken one, too
        raise SceneError(f"{args.file} exists; use --force to replace it", code="FILE_EXISTS")
    languages = [tag.strip() for tag in args.languages.split(",") if tag.strip()]
    if not languages:
        raise SceneError("name at least one language", code="NO_LANGUAGE")
    document = SceneDocument(
        default_language=languages[0],
        title={tag: "Museion" for tag in languages},
        venue=args.venue,
        exhibits=(
            Exhibit(
                id="relic",
                asset=args.relic,
                metadata=Metadata(title={tag: "Relic" for tag in languages}),
            ),
        ),
    )
    load_scene(dump_scene(document))  # refuse to write what we would not read back
    save_scene(document, args.file)
    sys.stdout.write(f"wrote {args.file}\n")
    return 0


def _voice(pair: str) -> tuple[str, str]:
    tag, _, voice = pair.partition("=")
    if not tag or not voice:
        raise argparse.ArgumentTypeError(f"want LANG=VOICE (e.g. zh=cmn), not {pair!r}")
    return tag, voice


def _narrate(args: argparse.Namespace) -> int:
    root = args.assets or args.file.parent
    voices = dict(DEFAULT_VOICES)
    voices.update(dict(args.voice))
    document = read_scene(args.file, asset_root=root)
    try:
        options = NarrationOptions(tours=tuple(args.tour), voices=voices, force=args.force)
    except ValueError as exc:  # a --voice the synthesiser could not take
        raise ConfigError(str(exc)) from exc
    narrated = narrate(document, root, options)
    load_scene(dump_scene(narrated), asset_root=root)  # every file it names now exists
    save_scene(narrated, args.file)
    count = sum(
        len(step.audio) if isinstance(step.audio, dict) else int(step.audio is not None)
        for tour in narrated.tours
        for step in tour.steps
    )
    sys.stdout.write(f"{args.file}: {count} recordings\n")
    return 0


def run(args: argparse.Namespace) -> int:
    """Run the ``scene`` action in ``args``; returns the exit code."""
    if args.scene_verb == "validate":
        return _validate(args)
    if args.scene_verb == "narrate":
        return _narrate(args)
    if args.scene_verb == "new":
        return _new(args)
    sys.stdout.write(json.dumps(SCENE_SCHEMA, indent=2) + "\n")
    return 0
