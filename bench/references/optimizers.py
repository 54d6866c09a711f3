"""The three optimizers ``bench/optimize.py`` compares, as command lines (``museion
optimize``, gltfpack, gltf-transform), and the glTF-Transform script that decodes any of their
outputs to a plain GLB so that one reader measures them all."""

from __future__ import annotations

from pathlib import Path

from instruments.processes import last_line, museion_command, run_tool

from references.npm_tools import Tools, script

__all__ = ["RUN_TIMEOUT", "TOOL_NAMES", "command", "decode"]

TOOL_NAMES = ("ours", "gltfpack", "gltf-transform")
RUN_TIMEOUT = 900

# Decodes glTF files to plain GLB: quantisation, meshopt and Draco undone, positions float.
DECODE_MJS = r"""import { NodeIO } from '@gltf-transform/core';
import { ALL_EXTENSIONS } from '@gltf-transform/extensions';
import { dequantize } from '@gltf-transform/functions';
import { MeshoptDecoder } from 'meshoptimizer';
import draco3d from 'draco3dgltf';
import fs from 'fs';

await MeshoptDecoder.ready;
const io = new NodeIO().registerExtensions(ALL_EXTENSIONS).registerDependencies({
  'meshopt.decoder': MeshoptDecoder,
  'draco3d.decoder': await draco3d.createDecoderModule(),
});
const COMPRESSION = ['EXT_meshopt_compression', 'KHR_draco_mesh_compression',
                     'KHR_mesh_quantization'];
const [input, output] = process.argv.slice(2);
const doc = await io.read(input);
await doc.transform(dequantize());
for (const ext of doc.getRoot().listExtensionsUsed()) {
  if (COMPRESSION.includes(ext.extensionName)) ext.dispose();
}
for (const texture of doc.getRoot().listTextures()) texture.dispose();  // geometry only
fs.writeFileSync(output, await io.writeBinary(doc));
"""


def command(tools: Tools, tool: str, level: float, source: Path, out: Path) -> list[str]:
    """``tool`` optimizing ``source`` into ``out`` with meshopt, keeping ``level`` of the
    triangles (1: no simplification)."""
    if tool == "ours":
        argv = [*museion_command(), "optimize", str(source), str(out)]
        argv += ["--compress", "meshopt", "--texture-format", "keep"]
        return argv + (["--simplify", f"{level}"] if level < 1 else [])
    if tool == "gltfpack":
        command = [tools.node, str(tools.gltfpack), "-i", str(source), "-o", str(out), "-cc"]
        # Keep names and extras, as museion optimize always does (a museum's metadata).
        command += ["-kn", "-km", "-ke"]
        return command + (["-si", f"{level}"] if level < 1 else [])
    command = [tools.node, str(tools.gltf_transform), "optimize", str(source), str(out)]
    command += ["--compress", "meshopt", "--texture-compress", "false"]
    if level < 1:
        return [*command, "--simplify-ratio", f"{level}", "--simplify-error", "0.01"]
    return [*command, "--simplify", "false"]


def decode(tools: Tools, source: Path, out: Path) -> Path:
    """``source`` as a plain GLB (no compression, float positions, no textures)."""
    js = script("decode_plain.mjs", DECODE_MJS, tools.root)
    done = run_tool([tools.node, str(js), str(source), str(out)], timeout=RUN_TIMEOUT)
    if done.returncode != 0:
        raise RuntimeError(f"decoding {source.name} failed: {last_line(done.stderr)}")
    return out
