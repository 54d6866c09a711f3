"""``bench/gate.py``'s figures: our gate's verdicts against the Khronos validator's and the
corpus's own, file by file and code by code, and the rows for ``bench/run.py``."""

from __future__ import annotations

import collections
from pathlib import Path
from typing import Any

from instruments.file_runs import Outcome
from instruments.table import Row
from workloads.gltf_corpus import (
    CATEGORIES,
    hostile_manifest,
    must_reject,
    relative,
    stored_verdict,
)

__all__ = ["compare", "rows_for"]


def compare(
    files: dict[str, list[Path]], ours: list[Outcome], theirs: list[Outcome]
) -> tuple[str, dict[str, Any]]:
    """The printed comparison and the figures the table rows need."""
    category = {str(p): c for c, paths in files.items() for p in paths}
    mine = {o.path: o for o in ours}
    ref = {o.path: o for o in theirs}
    expectations = hostile_manifest()
    lines: list[str] = []
    say = lines.append

    expected = {
        name: sum(must_reject(str(p), name, expectations) for p in files[name])
        for name in CATEGORIES
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
        say(f"  {relative(p)}: theirs {', '.join(ref[p].codes)}")

    extra = [p for p in mine if mine[p].rejects and not ref[p].rejects]
    say(f"\nfiles we reject that the Khronos validator accepts or could not finish: {len(extra)}")
    for p in extra:
        rel = relative(p)
        why = expectations.get(rel, ("", ""))[1] or (
            "expected by the suite (invalid/)" if category[p] == "invalid" else ""
        )
        theirs_said = ref[p].failure or "no error"
        say(f"  {rel}: ours {', '.join(mine[p].codes)} | theirs {theirs_said}")
        if why:
            say(f"      why: {why}")

    slipped = [p for p in mine if must_reject(p, category[p], expectations) and not mine[p].rejects]
    say(f"\nfiles the corpus expects rejected that we accept: {len(slipped)}")
    for p in slipped:
        theirs_said = ", ".join(ref[p].codes) or ref[p].failure or "no error either"
        say(f"  {relative(p)}: theirs {theirs_said}")

    crashed = [o for o in ours if o.failure]
    say(f"\nfiles our gate failed on (crash or stall; target: none): {len(crashed)}")
    for o in crashed:
        say(f"  {relative(o.path)}: {o.failure}")
    ref_failed = [o for o in theirs if o.failure]
    say(f"files the Khronos validator failed on (crash or stall): {len(ref_failed)}")
    for o in ref_failed:
        say(f"  {relative(o.path)}: {o.failure}")

    agree = disagree = 0
    for p, o in ref.items():
        stored = stored_verdict(p)
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


def rows_for(
    figures: dict[str, Any],
    files: int,
    rates: tuple[float, float],
    seconds: tuple[float, float],
    version: str,
    repeats: int,
) -> list[Row]:
    """The rows for bench/run.py: ``rates`` and whole-run ``seconds`` are (ours, theirs)
    over ``files`` files, each the median of ``repeats`` runs."""
    (rate_ours, rate_ref), (cli_s, node_s) = rates, seconds
    rows: list[Row] = [
        (
            f"glTF validate, corpus {files} files, median of {repeats} (files/s)",
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
