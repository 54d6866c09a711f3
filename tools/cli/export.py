"""``museion export iiif|lido DOCUMENT [--exhibit ID] [--base-url URL] [-o FILE]``: an
exhibition's IIIF Presentation 3 manifest, or one exhibit's LIDO XML (a thin shell over
:mod:`museion.scenes.exports`).

Written atomically to ``FILE``, or to stdout.  Exit 0 when written; 1 when the document
does not load, has no such exhibit, or the file cannot be written (the code and the reason
are printed); 2 on usage errors (``iiif`` without ``--base-url``, ``lido`` without
``--exhibit``, a base URL that is not http(s)).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from urllib.parse import urlsplit

from museion.scenes.document.file import atomic_write, read_scene
from museion.scenes.exports import iiif_manifest, lido_xml

__all__ = ["HELP", "add_arguments", "run"]

HELP = "export an exhibition as a IIIF manifest, or an exhibit as LIDO XML"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of ``export``."""
    parser.add_argument("format", choices=("iiif", "lido"), help="what to write")
    parser.add_argument("document", type=Path, metavar="DOCUMENT", help="a scene document")
    parser.add_argument("--exhibit", metavar="ID", help="the exhibit (lido: required)")
    parser.add_argument(
        "--base-url",
        type=_base_url,
        metavar="URL",
        help="where the server is reached, e.g. https://museum.example (iiif: required)",
    )
    parser.add_argument(
        "--exhibition",
        metavar="ID",
        help="the exhibition's id in its URL /e/ID/ (default: DOCUMENT's name less .scene.json)",
    )
    parser.add_argument("-o", "--output", type=Path, metavar="FILE", help="write here, not stdout")


def _base_url(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise argparse.ArgumentTypeError(f"want an http(s)://host URL, not {text!r}")
    return text


def _exhibition_id(document: Path) -> str:
    name = document.name
    for suffix in (".scene.json", ".json"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _usage(message: str) -> int:
    sys.stderr.write(f"museion export: error: {message}\n")
    return 2


def run(args: argparse.Namespace) -> int:
    """Load the document, build the export, write it."""
    if args.format == "iiif" and args.base_url is None:
        return _usage("iiif needs --base-url (the manifest names the pages it links to)")
    if args.format == "lido" and args.exhibit is None:
        return _usage("lido needs --exhibit ID (one record per exhibit)")
    document = read_scene(args.document)
    if args.format == "iiif":
        exhibition = args.exhibition or _exhibition_id(args.document)
        manifest = iiif_manifest(document, base_url=args.base_url, exhibition_id=exhibition)
        text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
        data = text.encode("utf-8")
    else:
        data = lido_xml(document, args.exhibit)
    if args.output is None:
        sys.stdout.write(data.decode("utf-8"))
    else:
        atomic_write(args.output, data)
    return 0
