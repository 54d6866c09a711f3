"""The optimize toolchain: small transforms, each a function with a frozen options object,
and ``optimize`` that runs them in the order that makes each pay."""

from museion.tools.transform.pipeline import OptimizeOptions, StepReport, optimize

__all__ = ["OptimizeOptions", "StepReport", "optimize"]
