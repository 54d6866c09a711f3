"""The sample assets generated from code (small, free, byte-identical on every run): one
module per relic, venue, hall and pedestal over shared geometry, lathe, texture and document
modules; :func:`write_samples` writes the ``assets/`` folder."""

from museion.tools.samples.files import RELICS, sample_builders, write_samples
from museion.tools.samples.relic import (
    RELIC_DEFAULTS,
    RelicOptions,
    build_relic,
    relic_for_triangles,
)
from museion.tools.samples.venue import build_venue

__all__ = [
    "RELICS",
    "RELIC_DEFAULTS",
    "RelicOptions",
    "build_relic",
    "build_venue",
    "relic_for_triangles",
    "sample_builders",
    "write_samples",
]
