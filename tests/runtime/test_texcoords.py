"""A texture whose glTF ``texCoord`` is 1 is sampled through the second UV set (the lean
shader read every texture through TEXCOORD_0: MultiUVTest showed its "Multiple UVs not
supported" text; issue 19's reference images)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from museion.runtime.materials import material_defines, set_texcoord_inputs
from museion.runtime.preview import PreviewOptions, render_thumbnail
from museion.runtime.settings import RuntimeSettings
from tests.gltf_fixtures import quad, write_gltf

pytestmark = pytest.mark.render


def test_each_geom_is_told_which_stage_carries_each_uv_set() -> None:
    """Panda3D binds p3d_MultiTexCoordN to the N-th stage's UV set: with the emissive
    stage (TEXCOORD_1) first, the geom's first set is stage 0's (read by the emission) and
    its second stage 1's (read by the base colour); any two sets, not only 0 and 1."""
    from panda3d.core import (
        GeomNode,
        InternalName,
        NodePath,
        RenderState,
        ShaderAttrib,
        Texture,
        TextureAttrib,
        TextureStage,
    )

    def stage(name: str, mode: int, uv: str, sort: int) -> TextureStage:
        made = TextureStage(name)
        made.set_mode(mode)
        made.set_texcoord_name(InternalName.get_texcoord_name(uv))
        made.set_sort(sort)
        return made

    textures = TextureAttrib.make()
    textures = textures.add_on_stage(stage("glow", TextureStage.M_emission, "1", 0), Texture())
    textures = textures.add_on_stage(stage("base", TextureStage.M_modulate, "0", 1), Texture())
    one_uv = TextureAttrib.make().add_on_stage(
        stage("plain", TextureStage.M_modulate, "0", 0), Texture()
    )
    baked = TextureAttrib.make()  # a set the gate made when it baked a transform
    baked = baked.add_on_stage(stage("base", TextureStage.M_modulate, "0", 0), Texture())
    baked = baked.add_on_stage(stage("bump", TextureStage.M_normal, "2", 1), Texture())
    node = GeomNode("model")
    node.add_geom(triangle_geom(), RenderState.make(textures))
    node.add_geom(triangle_geom(), RenderState.make(one_uv))
    node.add_geom(triangle_geom(), RenderState.make(baked))
    scene = NodePath("scene")
    root = scene.attach_new_node("model")
    root.attach_new_node(node)

    assert set_texcoord_inputs(root)
    assert material_defines(scene) == ("MULTI_UV",)
    inputs = node.get_geom_state(0).get_attrib(ShaderAttrib)
    assert tuple(inputs.get_shader_input_vector("texcoord_set")) == (1, 0, 0, 0)
    assert tuple(inputs.get_shader_input_vector("texcoord_stages"))[:2] == (0, 1)
    assert node.get_geom_state(1).get_attrib(ShaderAttrib) is None  # one set
    inputs = node.get_geom_state(2).get_attrib(ShaderAttrib)
    assert tuple(inputs.get_shader_input_vector("texcoord_set")) == (0, 0, 1, 0)
    assert tuple(inputs.get_shader_input_vector("texcoord_stages"))[:2] == (0, 1)


def triangle_geom() -> Any:
    from panda3d.core import Geom, GeomTriangles, GeomVertexData, GeomVertexFormat

    data = GeomVertexData("t", GeomVertexFormat.get_v3(), Geom.UH_static)
    data.set_num_rows(3)
    triangles = GeomTriangles(Geom.UH_static)
    triangles.add_vertices(0, 1, 2)
    geom = Geom(data)
    geom.add_primitive(triangles)
    return geom


def _two_colour_png() -> bytes:
    """Left half red, right half green."""
    picture = np.zeros((8, 8, 3), np.uint8)
    picture[:, :4, 0] = 255
    picture[:, 4:, 1] = 255
    out = io.BytesIO()
    Image.fromarray(picture).save(out, format="PNG")
    return out.getvalue()


def _quad(folder: Path, emissive_texcoord: int, base_texcoord: int | None = None) -> Path:
    """A black, double-sided quad facing +Z, without normals, lit only by its emissive
    texture: TEXCOORD_0 points every corner at the texture's red half, TEXCOORD_1 at its
    green half.  With ``base_texcoord`` its (black) base colour also has that texture, on
    that set."""
    pbr: dict[str, Any] = {"baseColorFactor": [0, 0, 0, 1], "roughnessFactor": 1}
    if base_texcoord is not None:
        pbr["baseColorTexture"] = {"index": 0, "texCoord": base_texcoord}
    glow = {
        "name": "glow",
        "doubleSided": True,
        "pbrMetallicRoughness": pbr,
        "emissiveFactor": [1, 1, 1],
        "emissiveTexture": {"index": 0, "texCoord": emissive_texcoord},
    }
    uvs = {"TEXCOORD_0": (0.25, 0.5), "TEXCOORD_1": (0.75, 0.5)}
    name = f"quad{emissive_texcoord}{base_texcoord}.gltf"
    document, binary = quad(glow, [_two_colour_png()], normal=None, attributes=uvs)
    return write_gltf(folder, name, document, binary)


@pytest.mark.parametrize(
    ("texcoord", "base", "colour"),
    [(0, None, 0), (1, None, 1), (1, 0, 1), (0, 1, 0)],
    ids=["uv0-red", "uv1-green", "uv1-green-beside-uv0", "uv0-red-beside-uv1"],
)
def test_the_emissive_texture_reads_the_uv_set_its_material_names(
    tmp_path: Path, texcoord: int, base: int | None, colour: int
) -> None:
    """Alone (one set: the shader without MULTI_UV) and beside a base colour texture on
    the other set (two sets, the stages in either order)."""
    settings = RuntimeSettings(load_cache_dir=tmp_path / "cache")
    image = render_thumbnail(
        _quad(tmp_path, texcoord, base), (96, 96), PreviewOptions(yaw=0, pitch=0), settings=settings
    )
    centre = image[40:56, 40:56].reshape(-1, 3).astype(int).mean(axis=0)
    other = 1 - colour
    assert centre[colour] > 180 and centre[other] < 0.5 * centre[colour], centre
