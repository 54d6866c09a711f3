"""Skinning on the GPU: a Character's vertices posed by the lean vertex shader from
Panda3D's joint table (``p3d_TransformTable``), instead of by Panda3D on the CPU each
frame a skinned model moves.

Panda3D hands a shader the joints' matrices and each vertex's four joint indices and
weights when the node's ShaderAttrib carries ``F_hardware_skinning``; the lean shader's
``SKINNING`` variant (its value the table's size: the gate's joint budget) applies them.
Morph targets still deform on the CPU.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from museion.runtime.graphics import make_shader
from museion.scenes.gltf.structure import StructureLimits

__all__ = ["skin_on_gpu", "skinned"]

logger = logging.getLogger(__name__)


def skinned(characters: Iterable[Any]) -> list[Any]:
    """The Characters in ``characters`` that have a skin (vertices blended by joints):
    one that only morphs has no joint table for the shader to read."""
    found = []
    for character in characters:
        for geom_node in character.find_all_matches("**/+GeomNode"):
            node = geom_node.node()
            if any(
                node.get_geom(i).get_vertex_data().get_transform_blend_table() is not None
                for i in range(node.get_num_geoms())
            ):
                found.append(character)
                break
    return found


def skin_on_gpu(
    characters: Iterable[Any],
    defines: Sequence[str],
    max_joints: int = StructureLimits().max_joints,
) -> int:
    """Have each Character NodePath in ``characters`` skinned by the lean shader built
    with ``defines`` (the scene's: its lights) plus ``SKINNING``; returns how many.  Call
    on the render thread."""
    from panda3d.core import ShaderAttrib

    shader = make_shader("lean_pbr", *defines, f"SKINNING {max_joints}")
    count = 0
    for character in characters:
        character.set_shader(shader)
        attrib = character.get_attrib(ShaderAttrib)
        character.set_attrib(attrib.set_flag(ShaderAttrib.F_hardware_skinning, True))
        count += 1
    if count:
        logger.info("%d skinned models posed on the GPU", count)
    return count
