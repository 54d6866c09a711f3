"""The rules a glTF's JSON must meet (the glTF 2.0 schema walked from a table, then the
spec's rules per kind of object); :func:`check_rules` runs them all."""

from museion.scenes.gltf.rules.check import check_rules

__all__ = ["check_rules"]
