"""What the lean shader reads of a glTF material that panda3d-gltf drops: a packed
occlusion map's strength (packed by the file, or by the gate's decoder) and the
``KHR_materials_*`` factors it approximates (clearcoat, transmission: see
docs/materials.md), as per-geom shader inputs matched by material name,
and which UV set each texture samples (glTF's ``texCoord``, read from panda3d-gltf's
texture stages).  (Emissive strength needs nothing here: the gate
folds it into the emissive factor.)"""

from __future__ import annotations

import logging
from typing import Any

from museion.scenes.gltf.decode.occlusion import packable_occlusion

__all__ = [
    "DEFAULT_INPUTS",
    "material_defines",
    "material_inputs",
    "set_material_inputs",
    "set_texcoord_inputs",
]

logger = logging.getLogger(__name__)

Inputs = dict[str, tuple[float, ...]]

DEFAULT_INPUTS: dict[str, Any] = {
    "occlusion_strength": 0.0,
    "transmission": 0.0,
}
"""The scene root's values (a material without the map or extension); ``clearcoat``
(factor, roughness), ``texcoord_set`` and ``texcoord_stages`` are set apart, being
vectors."""
FEATURES_TAG = "museion-material-features"
"""A model's tag naming the shader features its materials need (``CLEARCOAT``...)."""
_FEATURES = {"clearcoat": "CLEARCOAT", "transmission": "TRANSMISSION"}
_STAGES = 4  # the vertex shader's p3d_MultiTexCoord0..3 under MULTI_UV


def _packed_occlusion(document: dict[str, Any], material: dict[str, Any]) -> float | None:
    """The occlusion strength of a material whose ``occlusionTexture`` is its
    metallic-roughness texture (glTF's packed ORM: occlusion in R), which panda3d-gltf
    hands the shader as the Selector stage, or one the gate's decoder packs there
    (:func:`~museion.scenes.gltf.decode.occlusion.packable_occlusion`); None otherwise."""
    textures = document.get("textures", [])

    def image(info: Any) -> Any:
        if not isinstance(info, dict) or not 0 <= info.get("index", -1) < len(textures):
            return None
        return (textures[info["index"]].get("source"), info.get("texCoord", 0))

    occlusion = material.get("occlusionTexture")
    if occlusion is None:
        return None
    rough = (material.get("pbrMetallicRoughness") or {}).get("metallicRoughnessTexture")
    packed = image(occlusion) is not None and image(occlusion) == image(rough)
    if packed or packable_occlusion(document, material):
        return float(occlusion.get("strength", 1.0))
    return None


def material_inputs(document: dict[str, Any], name: str) -> dict[str, Inputs]:
    """Shader inputs by material name for the materials that need any: packed occlusion,
    ``KHR_materials_clearcoat`` (factor and roughness; its textures are ignored) and
    ``KHR_materials_transmission`` (factor; its texture is ignored)."""
    found: dict[str, Inputs] = {}
    separate = 0
    for m, material in enumerate(document.get("materials", [])):
        if not isinstance(material, dict):
            continue
        inputs: Inputs = {}
        occlusion = _packed_occlusion(document, material)
        if occlusion is not None:
            inputs["occlusion_strength"] = (occlusion,)
        elif material.get("occlusionTexture") is not None:
            separate += 1
        extensions = material.get("extensions") or {}
        coat = extensions.get("KHR_materials_clearcoat")
        if isinstance(coat, dict) and float(coat.get("clearcoatFactor", 0.0)) > 0:
            inputs["clearcoat"] = (
                float(coat.get("clearcoatFactor", 0.0)),
                float(coat.get("clearcoatRoughnessFactor", 0.0)),
            )
        see_through = extensions.get("KHR_materials_transmission")
        if isinstance(see_through, dict) and float(see_through.get("transmissionFactor", 0)) > 0:
            inputs["transmission"] = (float(see_through["transmissionFactor"]),)
        if inputs:
            found[material.get("name", f"mat{m}")] = inputs
    if separate:
        logger.warning(
            "%s: %d materials sample their occlusion map on another UV set or texture "
            "transform than their metallic-roughness texture; it is not shown (pack it "
            "into that texture's red channel)",
            name,
            separate,
        )
    return found


def set_material_inputs(node: Any, inputs: dict[str, Inputs]) -> None:
    """Set ``inputs`` on each geom of ``node`` whose material they name; a transmissive
    one is also alpha-blended (Panda3D then draws it after the opaque, back to front).
    ``node`` is tagged with the shader features they need (:func:`material_defines`)."""
    if not inputs:
        return
    features = {_FEATURES[k] for wanted in inputs.values() for k in wanted if k in _FEATURES}
    _add_features(node, features)
    from panda3d.core import (
        LVecBase2f,
        MaterialAttrib,
        ShaderAttrib,
        ShaderInput,
        TransparencyAttrib,
    )

    for path in node.find_all_matches("**/+GeomNode"):
        geoms = path.node()
        for i in range(geoms.get_num_geoms()):
            state = geoms.get_geom_state(i)
            material = state.get_attrib(MaterialAttrib)
            if material is None or material.get_material() is None:
                continue
            wanted = inputs.get(material.get_material().get_name())
            if wanted is None:
                continue
            attrib = state.get_attrib(ShaderAttrib) or ShaderAttrib.make()
            for key, value in wanted.items():
                shader_value: Any = LVecBase2f(*value) if len(value) == 2 else value[0]
                attrib = attrib.set_shader_input(ShaderInput(key, shader_value))
            state = state.set_attrib(attrib)
            if "transmission" in wanted:
                state = state.set_attrib(TransparencyAttrib.make(TransparencyAttrib.M_alpha))
            geoms.set_geom_state(i, state)


def _add_features(node: Any, features: set[str]) -> None:
    if features:
        had = node.get_tag(FEATURES_TAG).split() if node.has_tag(FEATURES_TAG) else []
        node.set_tag(FEATURES_TAG, " ".join(sorted(features | set(had))))


def _texcoord_facts(textures: Any) -> tuple[tuple[float, ...], tuple[float, ...]] | None:
    """``(texcoord_set, texcoord_stages)`` for a geom whose textures sample two UV sets
    (glTF's ``texCoord``, or a set the gate made when it baked a texture transform), None
    for one whose textures share a set.

    Panda3D binds ``p3d_MultiTexCoordN`` to the UV set of the geom's N-th texture stage,
    not to the N-th UV set; so the vertex shader is told which stage carries the first and
    which the second of the geom's sets (``texcoord_stages``), and the fragment shader which
    of the two each slot samples (``texcoord_set``: Modulate, Selector, Normal, Emission).
    A third set is read as the first (with a warning)."""
    from panda3d.core import TextureStage

    slots = {
        TextureStage.M_modulate: 0,
        TextureStage.M_selector: 1,
        TextureStage.M_normal: 2,
        TextureStage.M_emission: 3,
    }
    sets = [0.0] * 4
    names: list[Any] = []  # the distinct UV sets, in stage order
    first_stage: list[int] = []  # the first stage that carries each
    for n in range(textures.get_num_on_stages()):
        stage = textures.get_on_stage(n)
        if stage.get_mode() not in slots:
            continue
        name = stage.get_texcoord_name()
        if name not in names:
            names.append(name)
            first_stage.append(n)
        sets[slots[stage.get_mode()]] = float(names.index(name))
    if len(names) < 2:
        return None
    if len(names) > 2 or first_stage[1] >= _STAGES:
        logger.warning(
            "a material's textures sample %d UV sets; the shader reads two (the others "
            "read the first)",
            len(names),
        )
        if first_stage[1] >= _STAGES:
            return None
    return tuple(0.0 if s > 1 else s for s in sets), (float(first_stage[0]), float(first_stage[1]))


def set_texcoord_inputs(node: Any) -> bool:
    """Tell the shader, on each geom of ``node`` whose textures sample two UV sets, which
    set each texture reads (:func:`_texcoord_facts`), and tag ``node`` with the MULTI_UV
    feature; True when some geom does."""
    from panda3d.core import LVecBase2f, LVecBase4f, ShaderAttrib, ShaderInput, TextureAttrib

    found = False
    for path in node.find_all_matches("**/+GeomNode"):
        geoms = path.node()
        for i in range(geoms.get_num_geoms()):
            state = geoms.get_geom_state(i)
            textures = state.get_attrib(TextureAttrib)
            facts = None if textures is None else _texcoord_facts(textures)
            if facts is None:
                continue
            found = True
            attrib = state.get_attrib(ShaderAttrib) or ShaderAttrib.make()
            attrib = attrib.set_shader_input(ShaderInput("texcoord_set", LVecBase4f(*facts[0])))
            attrib = attrib.set_shader_input(ShaderInput("texcoord_stages", LVecBase2f(*facts[1])))
            geoms.set_geom_state(i, state.set_attrib(attrib))
    if found:
        _add_features(node, {"MULTI_UV"})
    return found


def material_defines(root: Any) -> tuple[str, ...]:
    """The shader's ``#define`` lines for the material features some model under ``root``
    needs: llvmpipe pays for a uniform branch on every pixel even when it is not taken,
    so a scene without clearcoat, transmission or a second UV set compiles without them.
    (A model the studio adds later with a feature the scene lacked shows without it until
    restart.)"""
    found: set[str] = set()
    for path in root.find_all_matches(f"**/={FEATURES_TAG}"):
        found.update(path.get_tag(FEATURES_TAG).split())
    return tuple(sorted(found))
