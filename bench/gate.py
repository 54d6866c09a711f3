"""The glTF gate against the Khronos glTF-Validator, on the public corpus.

Workload: every .gltf/.glb under ``../shared/corpus/{valid,edge_valid,invalid,hostile}``.
Ours: ``museion.scenes.gltf.gate.validate_gltf`` over all files in one Python process
(``gate.py --ours LIST``), then once more end to end as ``museion validate --json``.
Reference: npm ``gltf-validator`` 2.0.0-dev.3.10 through its JS API, all files in one node
process (a script written into ``bench/.tools``), whose resource loader reads only files
inside the model's folder, as our resolver does.  A file that crashes or stalls either
side (the Khronos validator is known to die on 100,000-deep graphs) is recorded as such and
the run carries on with the next file in a fresh process.

Figures: files/s (per-file validation time summed, file reading included, start-up
excluded) and the end-to-end time of each whole run; the count of files each rejects per
category; the files the reference rejects that we accept (target: none); the files we reject
that it accepts, with our codes; and how its error codes line up with ours file by file.
"""

from __future__ import annotations

import json
import logging
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from figures.gate import compare, rows_for  # noqa: E402
from instruments.file_runs import Outcome, rate, run_files  # noqa: E402
from instruments.processes import museion_command  # noqa: E402
from instruments.table import Row, table  # noqa: E402
from references.khronos_validator import node_seconds, run_reference  # noqa: E402
from references.npm_tools import ToolsUnavailable, ensure_tools  # noqa: E402
from workloads.gltf_corpus import CORPUS, corpus_files  # noqa: E402

__all__ = ["run"]

logger = logging.getLogger(__name__)

REPEATS = 3  # timings are the median of this many runs


def ours_worker(list_file: str) -> int:
    """``gate.py --ours LIST``: our gate over the listed files, in the reference's protocol."""
    from museion.scenes.gltf.gate import validate_gltf

    files = json.loads(Path(list_file).read_text())
    out = sys.stdout
    for name in files:
        out.write(json.dumps({"start": name}) + "\n")
        out.flush()
        path = Path(name)
        t0 = time.perf_counter()
        try:
            report = validate_gltf(path.parent, path.name)
            result: dict[str, Any] = {"path": name, "codes": sorted(report.codes("error"))}
        except Exception as exc:  # a bug in our gate: recorded, not hidden
            result = {"path": name, "crash": f"{type(exc).__name__}: {exc}"}
        result["ms"] = (time.perf_counter() - t0) * 1000
        out.write(json.dumps(result) + "\n")
        out.flush()
    return 0


def _median_runs(runs: list[list[Outcome]]) -> list[Outcome]:
    """The first run's verdicts with each file's median time over every run."""
    first = runs[0]
    for other in runs[1:]:
        for a, b in zip(first, other, strict=True):
            if a.codes != b.codes or bool(a.failure) != bool(b.failure):
                logger.warning("%s: verdict changed between runs", a.path)
    return [
        Outcome(o.path, o.codes, statistics.median(r[n].ms for r in runs), o.failure)
        for n, o in enumerate(first)
    ]


def run_ours(files: list[Path]) -> tuple[list[Outcome], float]:
    t0 = time.perf_counter()
    outcomes = run_files([sys.executable, str(Path(__file__).resolve()), "--ours"], files, None)
    return outcomes, time.perf_counter() - t0


def cli_seconds(files: list[Path]) -> tuple[float, int]:
    """``museion validate --json`` over ``files`` end to end: (seconds, exit status)."""
    t0 = time.perf_counter()
    done = subprocess.run(
        [*museion_command(), "validate", "--json", *map(str, files)],
        capture_output=True,
        timeout=1800,
        check=False,
    )
    seconds = time.perf_counter() - t0
    if done.returncode not in (0, 1):
        logger.warning("museion validate exited %s: %s", done.returncode, done.stderr[-500:])
    json.loads(done.stdout)  # the report must be JSON, whatever the files held
    return seconds, done.returncode


def run(verbose: bool = False) -> list[Row]:
    """Both validators over the corpus; the comparison is printed when ``verbose``."""
    if not CORPUS.is_dir():
        return [("glTF validate vs gltf-validator", "skipped: ../shared/corpus is absent", "", "")]
    try:
        tools = ensure_tools()
    except ToolsUnavailable as exc:
        return [("glTF validate vs gltf-validator", f"skipped: {exc}", "", "")]
    files = corpus_files()
    every = [p for paths in files.values() for p in paths]
    theirs = _median_runs([run_reference(tools, every)[0] for _ in range(REPEATS)])
    ours = _median_runs([run_ours(every)[0] for _ in range(REPEATS)])
    text, figures = compare(files, ours, theirs)
    if verbose:
        sys.stdout.write(text)

    both = [p for p, o in zip(every, theirs, strict=True) if not o.failure]
    n_ours, s_ours = rate(o for o, t in zip(ours, theirs, strict=True) if not t.failure)
    n_ref, s_ref = rate(theirs)
    rate_ours, rate_ref = n_ours / max(s_ours, 1e-9), n_ref / max(s_ref, 1e-9)
    cli_s = statistics.median(cli_seconds(both)[0] for _ in range(REPEATS))
    node_s = statistics.median(node_seconds(tools, both) for _ in range(REPEATS))
    version = tools.version("gltf-validator")
    return rows_for(figures, len(both), (rate_ours, rate_ref), (cli_s, node_s), version, REPEATS)


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "--ours":
        return ours_worker(argv[1])
    logging.basicConfig(level=logging.WARNING)
    t0 = time.monotonic()
    rows = run(verbose=True)
    sys.stdout.write("\n" + table(rows))
    sys.stdout.write(f"({time.monotonic() - t0:.0f} s)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
