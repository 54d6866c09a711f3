"""``optimize(doc, OptimizeOptions())``: the transforms in the order that makes each pay.

dedup and prune first (less to weld), weld (shared vertices for the simplifier), simplify,
reorder (cache and fetch order, which also helps the codecs), quantize, textures, then the
geometry codec, and a last prune for what the steps left behind.  Each step is also
callable alone: see the sibling modules :mod:`.prune`, :mod:`.geometry`, :mod:`.simplify`,
:mod:`.textures` and :mod:`.compress`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal, get_args

from museion.tools.transform.checks import check_choice, check_type
from museion.tools.transform.compress import DracoOptions, MeshoptOptions, draco, meshopt
from museion.tools.transform.document import GltfDocument, TransformStats
from museion.tools.transform.geometry import (
    QuantizeOptions,
    ReorderOptions,
    WeldOptions,
    quantize,
    reorder,
    weld,
)
from museion.tools.transform.prune import DedupOptions, PruneOptions, dedup, prune
from museion.tools.transform.simplify import SimplifyOptions, simplify
from museion.tools.transform.textures import TextureOptions, textures

__all__ = ["Compression", "OptimizeOptions", "StepReport", "optimize", "step_names"]

logger = logging.getLogger(__name__)

Compression = Literal["meshopt", "draco", "none"]


@dataclass(frozen=True)
class OptimizeOptions:
    """The whole pipeline; ``None`` for a step's options skips that step.  Quantization is
    skipped under Draco, which quantizes on its own."""

    dedup: DedupOptions | None = field(default_factory=DedupOptions)
    prune: PruneOptions | None = field(default_factory=PruneOptions)
    weld: WeldOptions | None = field(default_factory=WeldOptions)
    simplify: SimplifyOptions | None = None
    reorder: ReorderOptions | None = field(default_factory=ReorderOptions)
    quantize: QuantizeOptions | None = field(default_factory=QuantizeOptions)
    textures: TextureOptions | None = None
    compress: Compression = "meshopt"
    meshopt: MeshoptOptions = field(default_factory=MeshoptOptions)
    draco: DracoOptions = field(default_factory=DracoOptions)

    def __post_init__(self) -> None:
        check_choice(self, "compress", get_args(Compression))
        steps = {
            "dedup": DedupOptions,
            "prune": PruneOptions,
            "weld": WeldOptions,
            "simplify": SimplifyOptions,
            "reorder": ReorderOptions,
            "quantize": QuantizeOptions,
            "textures": TextureOptions,
        }
        for name, kind in steps.items():
            check_type(self, name, kind, optional=True)
        check_type(self, "meshopt", MeshoptOptions)
        check_type(self, "draco", DracoOptions)


@dataclass(frozen=True)
class StepReport:
    """One step as it ran: its stats and its wall time."""

    stats: TransformStats
    seconds: float


def _plan(options: OptimizeOptions) -> list[tuple[str, Callable[[GltfDocument], TransformStats]]]:
    """The enabled steps in order, each a function of the document."""
    steps: list[tuple[str, Callable[[GltfDocument], TransformStats]]] = []
    if options.dedup is not None:
        steps.append(("dedup", lambda doc: dedup(doc, options.dedup or DedupOptions())))
    if options.prune is not None:
        steps.append(("prune", lambda doc: prune(doc, options.prune or PruneOptions())))
    if options.weld is not None:
        steps.append(("weld", lambda doc: weld(doc, options.weld or WeldOptions())))
    if options.simplify is not None:
        steps.append(("simplify", lambda doc: simplify(doc, options.simplify or SimplifyOptions())))
    if options.reorder is not None:
        steps.append(("reorder", lambda doc: reorder(doc, options.reorder or ReorderOptions())))
    if options.quantize is not None and options.compress != "draco":
        quantizing = options.quantize
        if options.compress == "meshopt" and options.meshopt.octahedral:
            quantizing = replace(quantizing, octahedral=True)
        steps.append(("quantize", lambda doc: quantize(doc, quantizing)))
    if options.textures is not None:
        steps.append(("textures", lambda doc: textures(doc, options.textures or TextureOptions())))
    if options.compress == "meshopt":
        steps.append(("meshopt", lambda doc: meshopt(doc, options.meshopt)))
    elif options.compress == "draco":
        steps.append(("draco", lambda doc: draco(doc, options.draco)))
    steps.append(("prune", lambda doc: prune(doc, options.prune or PruneOptions())))
    return steps


def step_names(options: OptimizeOptions = OptimizeOptions()) -> list[str]:
    """The names of the steps :func:`optimize` will run, in order (so a caller can show
    progress as a fraction before the first step starts)."""
    return [name for name, _ in _plan(options)]


def optimize(
    doc: GltfDocument,
    options: OptimizeOptions = OptimizeOptions(),
    on_step: Callable[[str], None] | None = None,
) -> list[StepReport]:
    """Run every enabled transform on ``doc`` in place; ``on_step(name)`` is called before
    each (for a progress bar; :func:`step_names` lists them ahead).  Returns what each
    step did and how long it took."""
    reports = []
    for name, step in _plan(options):
        if on_step is not None:
            on_step(name)
        start = time.perf_counter()
        stats = step(doc)
        reports.append(StepReport(stats, time.perf_counter() - start))
        logger.debug("%s in %.3f s", stats, reports[-1].seconds)
    return reports
