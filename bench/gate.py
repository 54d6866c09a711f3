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

import collections
import json
import logging
import os
import selectors
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from npm_tools import Tools, ToolsUnavailable, ensure_tools, script  # noqa: E402

__all__ = ["Outcome", "corpus_files", "run"]

logger = logging.getLogger(__name__)

Row = tuple[str, str, str, str]

CORPUS = HERE.parents[1] / "shared" / "corpus"
CATEGORIES = ("valid", "edge_valid", "invalid", "hostile")
EXPECT_REJECT = {"valid": False, "edge_valid": False, "invalid": True, "hostile": True}
FILE_TIMEOUT = 60.0  # seconds one file may take before it counts as a stall
REPEATS = 3  # timings are the median of this many runs

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


@dataclass
class Outcome:
    """One validator's verdict on one file."""

    path: str
    codes: list[str] = field(default_factory=list)
    ms: float = 0.0
    failure: str = ""  # "crash: ..." or "timeout" when the validator itself failed

    @property
    def rejects(self) -> bool:
        return bool(self.codes)


def corpus_files(corpus: Path = CORPUS) -> dict[str, list[Path]]:
    """Every glTF/GLB file of each category, sorted."""
    found = {}
    for category in CATEGORIES:
        folder = corpus / category
        found[category] = sorted(
            p for p in folder.rglob("*") if p.suffix in (".gltf", ".glb") and p.is_file()
        )
    return found


# -- running a validator over many files in one process, surviving its crashes ----------


def _stream(command: list[str], files: list[Path], env: dict[str, str] | None) -> list[Outcome]:
    """Run ``command LISTFILE`` over ``files``; restart it after a crash or stall."""
    outcomes: dict[str, Outcome] = {}
    remaining = [str(f) for f in files]
    while remaining:
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
            json.dump(remaining, handle)
        try:
            with tempfile.TemporaryFile() as errors:  # a file: a chatty stderr cannot block
                stderr = _one_process([*command, handle.name], outcomes, env, errors)
        finally:
            os.unlink(handle.name)
        left = [f for f in remaining if f not in outcomes]
        if len(left) == len(remaining):  # it did not even start: no file is its fault
            why = f"the validator did not run: {stderr[-200:]}"
            outcomes.update((f, Outcome(f, failure=why)) for f in left)
            left = []
        remaining = left
    return [outcomes[str(f)] for f in files]


def _one_process(
    command: list[str], outcomes: dict[str, Outcome], env: Any, errors: IO[bytes]
) -> str:
    """Read start/result lines until the process ends; a file that started and never
    ended is recorded as a crash (process gone) or a timeout (killed after FILE_TIMEOUT).
    Returns the end of the process's stderr."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, env=env, bufsize=0)
    assert process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    buffer = b""
    current: str | None = None
    started = time.monotonic()
    try:
        while True:
            if current is not None and time.monotonic() - started > FILE_TIMEOUT:
                process.kill()
                outcomes[current] = Outcome(current, failure="timeout", ms=FILE_TIMEOUT * 1000)
                return ""
            if not selector.select(timeout=1.0):
                continue
            chunk = process.stdout.read(65536)
            if not chunk:
                break
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                data = json.loads(line)
                if "start" in data:
                    current, started = data["start"], time.monotonic()
                    continue
                outcomes[data["path"]] = _outcome(data)
                current = None
        process.wait(timeout=30)
        errors.seek(0)
        stderr = errors.read()[-4000:].decode("utf-8", "replace").strip()
        if current is not None and current not in outcomes:
            tail = stderr.splitlines()
            why = tail[-1] if tail else f"exit status {process.returncode}"
            outcomes[current] = Outcome(current, failure=f"crash: {why[:200]}")
        return stderr or f"exit status {process.returncode}"
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        selector.close()
        process.stdout.close()


def _outcome(data: dict[str, Any]) -> Outcome:
    if "crash" in data:
        first = data["crash"].splitlines()[0] if data["crash"] else "crash"
        return Outcome(data["path"], failure=f"crash: {first[:200]}", ms=data.get("ms", 0.0))
    codes = list(data.get("codes", []))
    if data.get("refused"):
        codes = codes or ["(format not detected)"]
    return Outcome(data["path"], codes=codes, ms=float(data.get("ms", 0.0)))


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


def run_reference(tools: Tools, files: list[Path]) -> tuple[list[Outcome], float]:
    js = script("validate_corpus.js", VALIDATE_JS, tools.root)
    t0 = time.perf_counter()
    outcomes = _stream([tools.node, str(js)], files, None)
    return outcomes, time.perf_counter() - t0


def run_ours(files: list[Path]) -> tuple[list[Outcome], float]:
    t0 = time.perf_counter()
    outcomes = _stream([sys.executable, str(Path(__file__).resolve()), "--ours"], files, None)
    return outcomes, time.perf_counter() - t0


def cli_seconds(files: list[Path]) -> tuple[float, int]:
    """``museion validate --json`` over ``files`` end to end: (seconds, exit status)."""
    museion = Path(sys.executable).with_name("museion")
    command = [str(museion)] if museion.exists() else [sys.executable, "-m", "museion.tools.cli"]
    t0 = time.perf_counter()
    done = subprocess.run(
        [*command, "validate", "--json", *map(str, files)],
        capture_output=True,
        timeout=1800,
        check=False,
    )
    seconds = time.perf_counter() - t0
    if done.returncode not in (0, 1):
        logger.warning("museion validate exited %s: %s", done.returncode, done.stderr[-500:])
    json.loads(done.stdout)  # the report must be JSON, whatever the files held
    return seconds, done.returncode


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


# -- the comparison -------------------------------------------------------------------


def _relative(path: str) -> str:
    try:
        return str(Path(path).relative_to(CORPUS))
    except ValueError:
        return path


def _manifest() -> dict[str, tuple[str, str]]:
    """hostile/MANIFEST.tsv: path -> (expected verdict, description)."""
    manifest = CORPUS / "hostile" / "MANIFEST.tsv"
    if not manifest.is_file():
        return {}
    rows = [line.split("\t") for line in manifest.read_text("utf-8").splitlines()[1:]]
    return {f"hostile/{r[0]}": (r[2], r[3]) for r in rows if len(r) >= 4}


def _must_reject(path: str, category: str, manifest: dict[str, tuple[str, str]]) -> bool:
    """The corpus's own expectation: invalid/ always, hostile/ where its manifest says so."""
    if category == "hostile":
        return manifest.get(_relative(path), ("", ""))[0] == "reject"
    return EXPECT_REJECT[category]


def _stored_verdict(path: str) -> bool | None:
    """Whether the report stored beside a suite file lists errors (None: no report)."""
    report = Path(path + ".report.json")
    if not report.is_file():
        return None
    return int(json.loads(report.read_text("utf-8"))["issues"]["numErrors"]) > 0


def _rate(outcomes: Iterable[Outcome]) -> tuple[int, float]:
    done = [o for o in outcomes if not o.failure]
    return len(done), sum(o.ms for o in done) / 1000


def compare(
    files: dict[str, list[Path]], ours: list[Outcome], theirs: list[Outcome]
) -> tuple[str, dict[str, Any]]:
    """The printed comparison and the figures the table rows need."""
    category = {str(p): c for c, paths in files.items() for p in paths}
    mine = {o.path: o for o in ours}
    ref = {o.path: o for o in theirs}
    manifest = _manifest()
    lines: list[str] = []
    say = lines.append

    expected = {
        name: sum(_must_reject(str(p), name, manifest) for p in files[name]) for name in CATEGORIES
    }
    say("rejected files per category (ours / gltf-validator / expected by the corpus):")
    for name in CATEGORIES:
        paths = [str(p) for p in files[name]]
        n_ours = sum(mine[p].rejects for p in paths)
        n_ref = sum(ref[p].rejects for p in paths)
        failed = sum(bool(ref[p].failure) for p in paths)
        note = f"; the reference crashed or stalled on {failed}" if failed else ""
        say(f"  {name:<11} {n_ours:>4} / {n_ref:>4} / {expected[name]:>4} of {len(paths)}{note}")
    say(
        "  (the reference's IO_ERROR on URIs leaving the folder comes from the bench's resource"
        " loader, which refuses them as our resolver does)"
    )

    missed = [p for p in mine if ref[p].rejects and not mine[p].rejects]
    say(f"\nfiles the Khronos validator rejects that we accept (target: none): {len(missed)}")
    for p in missed:
        say(f"  {_relative(p)}: theirs {', '.join(ref[p].codes)}")

    extra = [p for p in mine if mine[p].rejects and not ref[p].rejects]
    say(f"\nfiles we reject that the Khronos validator accepts or could not finish: {len(extra)}")
    for p in extra:
        rel = _relative(p)
        why = manifest.get(rel, ("", ""))[1] or (
            "expected by the suite (invalid/)" if category[p] == "invalid" else ""
        )
        theirs_said = ref[p].failure or "no error"
        say(f"  {rel}: ours {', '.join(mine[p].codes)} | theirs {theirs_said}")
        if why:
            say(f"      why: {why}")

    slipped = [p for p in mine if _must_reject(p, category[p], manifest) and not mine[p].rejects]
    say(f"\nfiles the corpus expects rejected that we accept: {len(slipped)}")
    for p in slipped:
        theirs_said = ", ".join(ref[p].codes) or ref[p].failure or "no error either"
        say(f"  {_relative(p)}: theirs {theirs_said}")

    crashed = [o for o in ours if o.failure]
    say(f"\nfiles our gate failed on (crash or stall; target: none): {len(crashed)}")
    for o in crashed:
        say(f"  {_relative(o.path)}: {o.failure}")
    ref_failed = [o for o in theirs if o.failure]
    say(f"files the Khronos validator failed on (crash or stall): {len(ref_failed)}")
    for o in ref_failed:
        say(f"  {_relative(o.path)}: {o.failure}")

    agree = disagree = 0
    for p, o in ref.items():
        stored = _stored_verdict(p)
        if stored is None or o.failure:
            continue
        if stored == o.rejects:
            agree += 1
        else:
            disagree += 1
    say(
        f"\nsanity: the live validator's verdict matches the suite's stored report on "
        f"{agree} of {agree + disagree} files"
    )

    # Their codes against ours, on the files both reject.
    matched: collections.Counter[str] = collections.Counter()
    seen: collections.Counter[str] = collections.Counter()
    instead: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for p, o in ref.items():
        if not o.rejects or not mine[p].rejects:
            continue
        for code in o.codes:
            seen[code] += 1
            if code in mine[p].codes:
                matched[code] += 1
            else:
                instead[code].update(mine[p].codes)
    say("\ntheir error code -> ours, on files both reject (files; same code; our codes else)")
    for code, count in sorted(seen.items(), key=lambda kv: (-kv[1], kv[0])):
        others = ", ".join(f"{c} x{n}" for c, n in instead[code].most_common(3))
        say(f"  {code:<44} {count:>3}  {matched[code]:>3}  {others}")
    total_seen, total_matched = sum(seen.values()), sum(matched.values())
    say(
        f"  same code on {total_matched} of {total_seen} (file, code) pairs "
        f"({100 * total_matched / max(1, total_seen):.0f}%)"
    )
    figures = {
        "missed": len(missed),
        "slipped": len(slipped),
        "expected": expected,
        "extra": len(extra),
        "ours_crashed": len(crashed),
        "ref_failed": len(ref_failed),
        "matched": total_matched,
        "seen": total_seen,
        "per_category": {
            name: (
                sum(mine[str(p)].rejects for p in files[name]),
                sum(ref[str(p)].rejects for p in files[name]),
                len(files[name]),
            )
            for name in CATEGORIES
        },
    }
    return "\n".join(lines) + "\n", figures


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
    n_ours, s_ours = _rate(o for o, t in zip(ours, theirs, strict=True) if not t.failure)
    n_ref, s_ref = _rate(theirs)
    rate_ours, rate_ref = n_ours / max(s_ours, 1e-9), n_ref / max(s_ref, 1e-9)
    cli_s = statistics.median(cli_seconds(both)[0] for _ in range(REPEATS))
    node_s = statistics.median(node_seconds(tools, both) for _ in range(REPEATS))
    version = tools.version("gltf-validator")
    rows: list[Row] = [
        (
            f"glTF validate, corpus {len(both)} files, median of {REPEATS} (files/s)",
            f"{rate_ours:.0f}",
            f"{rate_ref:.0f} gltf-validator {version}",
            f"{rate_ours / rate_ref:.2f}",
        ),
        (
            "  whole run end to end, start-up incl. (s)",
            f"{cli_s:.2f} museion validate",
            f"{node_s:.2f} node",
            f"{cli_s / node_s:.2f}",
        ),
        (
            "  Khronos-rejected files we accept (target 0)",
            str(figures["missed"]),
            "",
            "",
        ),
    ]
    rows.append(("  corpus-expected rejections we accept", str(figures["slipped"]), "", ""))
    for name, (n_ours_c, n_ref_c, total) in figures["per_category"].items():
        expected = figures["expected"][name]
        rows.append(
            (
                f"  rejected in {name}/ (expected {expected} of {total})",
                str(n_ours_c),
                str(n_ref_c),
                "",
            )
        )
    rows.append(
        (
            "  their error code also ours, same file",
            f"{figures['matched']} of {figures['seen']}",
            "",
            f"{figures['matched'] / max(1, figures['seen']):.2f}",
        )
    )
    rows.append(
        (
            "  validator crashed/stalled on (files)",
            str(figures["ours_crashed"]),
            str(figures["ref_failed"]),
            "",
        )
    )
    return rows


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "--ours":
        return ours_worker(argv[1])
    logging.basicConfig(level=logging.WARNING)
    from run import table

    t0 = time.monotonic()
    rows = run(verbose=True)
    sys.stdout.write("\n" + table(rows))
    sys.stdout.write(f"({time.monotonic() - t0:.0f} s)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
