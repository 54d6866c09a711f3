"""The Khronos glTF-Validator (npm ``gltf-validator``) over many files in one node process,
through its JS API, speaking ``instruments.file_runs``'s protocol."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

from instruments.file_runs import Outcome, run_files

from references.npm_tools import Tools, script

__all__ = ["node_seconds", "run_reference"]

# The reference run: one node process over a list of files; one JSON line when a file
# starts and one when it ends, so the Python side knows which file a crash belongs to.
VALIDATE_JS = r"""'use strict';
const fs = require('fs');
const path = require('path');
const validator = require('gltf-validator');
const MAX_RESOURCE = 512 * 1024 * 1024;
const files = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
let current = null;
const out = (o) => fs.writeSync(1, JSON.stringify(o) + '\n');
const died = (e) => {
  if (current !== null) out({path: current, crash: String((e && e.stack) || e).slice(0, 400)});
  process.exit(3);
};
process.on('uncaughtException', died);
process.on('unhandledRejection', died);

// Resources are read only from inside the model's folder (as Museion's resolver does):
// no absolute paths, no '..' out of it, no devices, nothing over 512 MiB.
function loader(dir) {
  return (uri) => new Promise((resolve, reject) => {
    let target;
    try { target = path.resolve(dir, decodeURIComponent(uri)); }
    catch (e) { reject('malformed URI'); return; }
    if (!target.startsWith(dir + path.sep)) { reject('outside the asset folder'); return; }
    fs.stat(target, (err, st) => {
      if (err || !st.isFile()) { reject('not a file'); return; }
      if (st.size > MAX_RESOURCE) { reject('too large'); return; }
      fs.readFile(target, (e, data) => (e ? reject(String(e)) : resolve(new Uint8Array(data))));
    });
  });
}

(async () => {
  for (const file of files) {
    current = file;
    out({start: file});
    const t0 = process.hrtime.bigint();
    const result = {path: file};
    try {
      const bytes = fs.readFileSync(file);
      const report = await validator.validateBytes(new Uint8Array(bytes), {
        uri: path.basename(file),
        maxIssues: 0,
        externalResourceFunction: loader(path.dirname(file)),
      });
      const messages = report.issues.messages;
      result.codes = [...new Set(messages.filter((m) => m.severity === 0).map((m) => m.code))];
      result.errors = report.issues.numErrors;
    } catch (e) {
      result.refused = String(e).slice(0, 300);  // the promise rejected: format not detected
    }
    result.ms = Number(process.hrtime.bigint() - t0) / 1e6;
    out(result);
  }
  current = null;
})();
"""


def run_reference(tools: Tools, files: list[Path]) -> tuple[list[Outcome], float]:
    js = script("validate_corpus.js", VALIDATE_JS, tools.root)
    t0 = time.perf_counter()
    outcomes = run_files([tools.node, str(js)], files, None)
    return outcomes, time.perf_counter() - t0


def node_seconds(tools: Tools, files: list[Path]) -> float:
    """The reference script over ``files`` end to end, node start-up included."""
    js = script("validate_corpus.js", VALIDATE_JS, tools.root)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump([str(f) for f in files], handle)
    try:
        t0 = time.perf_counter()
        subprocess.run(
            [tools.node, str(js), handle.name], capture_output=True, timeout=1800, check=False
        )
        return time.perf_counter() - t0
    finally:
        os.unlink(handle.name)
