"""The glTF 2.0 JSON schema as data: one small table per object type.

:mod:`.schema_walk` walks a document against these tables; the tables say, for each
property, its JSON type, whether it is required, its range or list of values, and which
array an index points into.  Keeping the schema as data (not as code) makes it easy to
compare with the Khronos schema files and to add an extension: one more table and one
line in :data:`EXTENSIONS`.

Values follow the Khronos glTF-Validator: an unknown string value (an enum that a later
version may extend) is a warning, an unknown integer code (a component type, a mode) is
an error here because the renderer cannot draw what it cannot decode.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

__all__ = [
    "ACCESSOR_TYPES",
    "COMPONENT_TYPES",
    "EXTENSIONS",
    "SHAPES",
    "Shape",
    "Spec",
]

Kind = Literal["int", "num", "str", "bool", "index", "object", "array", "map", "any"]

BYTE, UNSIGNED_BYTE, SHORT, UNSIGNED_SHORT, UNSIGNED_INT, FLOAT = (
    5120,
    5121,
    5122,
    5123,
    5125,
    5126,
)
COMPONENT_TYPES: Mapping[int, str] = {
    BYTE: "BYTE",
    UNSIGNED_BYTE: "UNSIGNED_BYTE",
    SHORT: "SHORT",
    UNSIGNED_SHORT: "UNSIGNED_SHORT",
    UNSIGNED_INT: "UNSIGNED_INT",
    FLOAT: "FLOAT",
}
ACCESSOR_TYPES: Mapping[str, int] = {
    "SCALAR": 1,
    "VEC2": 2,
    "VEC3": 3,
    "VEC4": 4,
    "MAT2": 4,
    "MAT3": 9,
    "MAT4": 16,
}


@dataclass(frozen=True)
class Spec:
    """What one JSON property may hold."""

    kind: Kind
    required: bool = False
    low: float | None = None
    high: float | None = None
    exclusive_low: bool = False
    or_zero: bool = False  # 0 is allowed besides the range (KHR_materials_ior)
    choices: tuple[int | str, ...] = ()
    strict: bool = False  # a value outside ``choices`` is an error, not a warning
    pattern: str | None = None
    target: tuple[str, ...] = ()  # index: the array it points into, as keys from the root
    shape: str = ""  # object: the name of its table in SHAPES
    item: Spec | None = None  # array and map: what each element may hold
    lengths: tuple[int, ...] = ()  # array: the lengths allowed (none: any but empty)
    unique: bool = False
    multiple_of: int = 0
    collection: bool = False  # a root array of objects (TYPE_MISMATCH per element)


@dataclass(frozen=True)
class Shape:
    """One glTF object type: its properties (``extensions`` and ``extras`` are implicit),
    the groups of which exactly one must be defined, and properties that need another."""

    kind: str  # where extensions look it up (``material``, ``textureInfo``...)
    props: Mapping[str, Spec]
    one_of: tuple[str, ...] = ()
    depends: Mapping[str, str] = field(default_factory=dict)


def req(spec: Spec) -> Spec:
    return replace(spec, required=True)


def integer(low: float | None = None, high: float | None = None, multiple_of: int = 0) -> Spec:
    return Spec("int", low=low, high=high, multiple_of=multiple_of)


def number(
    low: float | None = None,
    high: float | None = None,
    *,
    exclusive_low: bool = False,
    or_zero: bool = False,
) -> Spec:
    return Spec("num", low=low, high=high, exclusive_low=exclusive_low, or_zero=or_zero)


def text(*choices: str, pattern: str | None = None) -> Spec:
    return Spec("str", choices=choices, pattern=pattern)


def codes(*choices: int) -> Spec:
    return Spec("int", choices=choices, strict=True)


def index(*target: str) -> Spec:
    return Spec("index", target=target)


def obj(shape: str) -> Spec:
    return Spec("object", shape=shape)


def array(item: Spec, *lengths: int, unique: bool = False) -> Spec:
    return Spec("array", item=item, lengths=lengths, unique=unique)


def numbers(count: int, low: float | None = None, high: float | None = None) -> Spec:
    return array(number(low, high), count)


def collection(shape: str) -> Spec:
    return Spec("array", item=obj(shape), collection=True)


BOOL = Spec("bool")
NAME = text()
ANY = Spec("any")
UNIT = number(0.0, 1.0)
ACCESSOR = index("accessors")
ATTRIBUTES = Spec("map", item=ACCESSOR)
TEXTURE_INFO = {"index": req(index("textures")), "texCoord": integer(0)}
VERSION = r"^([0-9]+)\.([0-9]+)$"
JSON_POINTER = r"^(?:\/(?:[^/~]|~0|~1)*)*$"

_CORE: dict[str, Shape] = {
    "gltf": Shape(
        "gltf",
        {
            "extensionsUsed": array(text(), unique=True),
            "extensionsRequired": array(text(), unique=True),
            "accessors": collection("accessor"),
            "animations": collection("animation"),
            "asset": req(obj("asset")),
            "buffers": collection("buffer"),
            "bufferViews": collection("bufferView"),
            "cameras": collection("camera"),
            "images": collection("image"),
            "materials": collection("material"),
            "meshes": collection("mesh"),
            "nodes": collection("node"),
            "samplers": collection("sampler"),
            "scene": index("scenes"),
            "scenes": collection("scene"),
            "skins": collection("skin"),
            "textures": collection("texture"),
        },
        depends={"extensionsRequired": "extensionsUsed"},
    ),
    "asset": Shape(
        "asset",
        {
            "copyright": text(),
            "generator": text(),
            "version": req(text(pattern=VERSION)),
            "minVersion": text(pattern=VERSION),
        },
    ),
    "accessor": Shape(
        "accessor",
        {
            "bufferView": index("bufferViews"),
            "byteOffset": integer(0),
            "componentType": req(codes(*COMPONENT_TYPES)),
            "normalized": BOOL,
            "count": req(integer(1)),
            "type": req(Spec("str", choices=tuple(ACCESSOR_TYPES), strict=True)),
            "max": array(number(), *range(1, 17)),
            "min": array(number(), *range(1, 17)),
            "sparse": obj("sparse"),
            "name": NAME,
        },
        depends={"byteOffset": "bufferView"},
    ),
    "sparse": Shape(
        "sparse",
        {
            "count": req(integer(1)),
            "indices": req(obj("sparseIndices")),
            "values": req(obj("sparseValues")),
        },
    ),
    "sparseIndices": Shape(
        "sparseIndices",
        {
            "bufferView": req(index("bufferViews")),
            "byteOffset": integer(0),
            "componentType": req(codes(UNSIGNED_BYTE, UNSIGNED_SHORT, UNSIGNED_INT)),
        },
    ),
    "sparseValues": Shape(
        "sparseValues", {"bufferView": req(index("bufferViews")), "byteOffset": integer(0)}
    ),
    "animation": Shape(
        "animation",
        {
            "channels": req(array(obj("channel"))),
            "samplers": req(array(obj("animationSampler"))),
            "name": NAME,
        },
    ),
    # ``sampler`` points into the animation's own samplers: rules resolves it.
    "channel": Shape("channel", {"sampler": req(index()), "target": req(obj("target"))}),
    "target": Shape(
        "target",
        {
            "node": index("nodes"),
            "path": req(text("translation", "rotation", "scale", "weights", "pointer")),
        },
    ),
    "animationSampler": Shape(
        "animationSampler",
        {
            "input": req(ACCESSOR),
            "interpolation": text("LINEAR", "STEP", "CUBICSPLINE"),
            "output": req(ACCESSOR),
        },
    ),
    "buffer": Shape("buffer", {"uri": text(), "byteLength": req(integer(1)), "name": NAME}),
    "bufferView": Shape(
        "bufferView",
        {
            "buffer": req(index("buffers")),
            "byteOffset": integer(0),
            "byteLength": req(integer(1)),
            "byteStride": integer(4, 252, multiple_of=4),
            "target": Spec("int", choices=(34962, 34963)),
            "name": NAME,
        },
    ),
    "camera": Shape(
        "camera",
        {
            "orthographic": obj("orthographic"),
            "perspective": obj("perspective"),
            "type": req(Spec("str", choices=("perspective", "orthographic"), strict=True)),
            "name": NAME,
        },
    ),
    "orthographic": Shape(
        "orthographic",
        {
            "xmag": req(number()),
            "ymag": req(number()),
            "zfar": req(number(0, exclusive_low=True)),
            "znear": req(number(0)),
        },
    ),
    "perspective": Shape(
        "perspective",
        {
            "aspectRatio": number(0, exclusive_low=True),
            "yfov": req(number(0, exclusive_low=True)),
            "zfar": number(0, exclusive_low=True),
            "znear": req(number(0, exclusive_low=True)),
        },
    ),
    "image": Shape(
        "image",
        {
            "uri": text(),
            "mimeType": text("image/jpeg", "image/png", "image/webp", "image/ktx2"),
            "bufferView": index("bufferViews"),
            "name": NAME,
        },
        one_of=("bufferView", "uri"),
        depends={"bufferView": "mimeType"},
    ),
    "material": Shape(
        "material",
        {
            "name": NAME,
            "pbrMetallicRoughness": obj("pbrMetallicRoughness"),
            "normalTexture": obj("normalTextureInfo"),
            "occlusionTexture": obj("occlusionTextureInfo"),
            "emissiveTexture": obj("textureInfo"),
            "emissiveFactor": numbers(3, 0.0, 1.0),
            "alphaMode": text("OPAQUE", "MASK", "BLEND"),
            "alphaCutoff": number(0),
            "doubleSided": BOOL,
        },
    ),
    "pbrMetallicRoughness": Shape(
        "pbrMetallicRoughness",
        {
            "baseColorFactor": numbers(4, 0.0, 1.0),
            "baseColorTexture": obj("textureInfo"),
            "metallicFactor": UNIT,
            "roughnessFactor": UNIT,
            "metallicRoughnessTexture": obj("textureInfo"),
        },
    ),
    "textureInfo": Shape("textureInfo", TEXTURE_INFO),
    "normalTextureInfo": Shape("textureInfo", {**TEXTURE_INFO, "scale": number()}),
    "occlusionTextureInfo": Shape("textureInfo", {**TEXTURE_INFO, "strength": UNIT}),
    "mesh": Shape(
        "mesh",
        {
            "primitives": req(array(obj("primitive"))),
            "weights": array(number()),
            "name": NAME,
        },
    ),
    "primitive": Shape(
        "primitive",
        {
            "attributes": req(ATTRIBUTES),
            "indices": ACCESSOR,
            "material": index("materials"),
            "mode": codes(0, 1, 2, 3, 4, 5, 6),
            "targets": array(ATTRIBUTES),
        },
    ),
    "node": Shape(
        "node",
        {
            "camera": index("cameras"),
            # Children and scene roots are resolved by structure (with the graph).
            "children": array(index(), unique=True),
            "skin": index("skins"),
            "matrix": numbers(16),
            "mesh": index("meshes"),
            "rotation": numbers(4, -1.0, 1.0),
            "scale": numbers(3),
            "translation": numbers(3),
            "weights": array(number()),
            "name": NAME,
        },
        depends={"skin": "mesh", "weights": "mesh"},
    ),
    "sampler": Shape(
        "sampler",
        {
            "magFilter": Spec("int", choices=(9728, 9729)),
            "minFilter": Spec("int", choices=(9728, 9729, 9984, 9985, 9986, 9987)),
            "wrapS": Spec("int", choices=(33071, 33648, 10497)),
            "wrapT": Spec("int", choices=(33071, 33648, 10497)),
            "name": NAME,
        },
    ),
    "scene": Shape("scene", {"nodes": array(index(), unique=True), "name": NAME}),
    "skin": Shape(
        "skin",
        {
            "inverseBindMatrices": ACCESSOR,
            "skeleton": index("nodes"),
            "joints": req(array(index("nodes"), unique=True)),
            "name": NAME,
        },
    ),
    "texture": Shape(
        "texture",
        {"sampler": index("samplers"), "source": index("images"), "name": NAME},
    ),
}

LIGHTS = ("extensions", "KHR_lights_punctual", "lights")
VARIANTS = ("extensions", "KHR_materials_variants", "variants")

_EXTENDED: dict[str, Shape] = {
    "KHR_lights_punctual": Shape("gltf", {"lights": req(array(obj("light")))}),
    "light": Shape(
        "light",
        {
            "name": NAME,
            "color": numbers(3, 0.0, 1.0),
            "intensity": number(0),
            "type": req(text("directional", "point", "spot")),
            "range": number(0, exclusive_low=True),
            "spot": obj("spot"),
        },
    ),
    "spot": Shape(
        "spot",
        {
            "innerConeAngle": number(0, math.pi / 2),
            "outerConeAngle": number(0, math.pi / 2, exclusive_low=True),
        },
    ),
    "KHR_lights_punctual@node": Shape("node", {"light": req(index(*LIGHTS))}),
    "KHR_materials_variants": Shape("gltf", {"variants": req(array(obj("variant")))}),
    "variant": Shape("variant", {"name": req(text())}),
    "KHR_materials_variants@primitive": Shape(
        "primitive", {"mappings": req(array(obj("variantMapping")))}
    ),
    "variantMapping": Shape(
        "variantMapping",
        {
            "variants": req(array(index(*VARIANTS), unique=True)),
            "material": req(index("materials")),
            "name": NAME,
        },
    ),
    "KHR_animation_pointer": Shape("target", {"pointer": req(text(pattern=JSON_POINTER))}),
    "KHR_materials_anisotropy": Shape(
        "material",
        {
            "anisotropyStrength": UNIT,
            "anisotropyRotation": number(),
            "anisotropyTexture": obj("textureInfo"),
        },
    ),
    "KHR_materials_clearcoat": Shape(
        "material",
        {
            "clearcoatFactor": UNIT,
            "clearcoatTexture": obj("textureInfo"),
            "clearcoatRoughnessFactor": UNIT,
            "clearcoatRoughnessTexture": obj("textureInfo"),
            "clearcoatNormalTexture": obj("normalTextureInfo"),
        },
    ),
    "KHR_materials_diffuse_transmission": Shape(
        "material",
        {
            "diffuseTransmissionFactor": UNIT,
            "diffuseTransmissionTexture": obj("textureInfo"),
            "diffuseTransmissionColorFactor": numbers(3, 0.0, 1.0),
            "diffuseTransmissionColorTexture": obj("textureInfo"),
        },
    ),
    "KHR_materials_dispersion": Shape("material", {"dispersion": number(0)}),
    "KHR_materials_emissive_strength": Shape("material", {"emissiveStrength": number(0)}),
    "KHR_materials_ior": Shape("material", {"ior": number(1, or_zero=True)}),
    "KHR_materials_iridescence": Shape(
        "material",
        {
            "iridescenceFactor": UNIT,
            "iridescenceTexture": obj("textureInfo"),
            "iridescenceIor": number(1),
            "iridescenceThicknessMinimum": number(0),
            "iridescenceThicknessMaximum": number(0),
            "iridescenceThicknessTexture": obj("textureInfo"),
        },
    ),
    "KHR_materials_pbrSpecularGlossiness": Shape(
        "material",
        {
            "diffuseFactor": numbers(4, 0.0, 1.0),
            "diffuseTexture": obj("textureInfo"),
            "specularFactor": numbers(3, 0.0, 1.0),
            "glossinessFactor": UNIT,
            "specularGlossinessTexture": obj("textureInfo"),
        },
    ),
    "KHR_materials_sheen": Shape(
        "material",
        {
            "sheenColorFactor": numbers(3, 0.0, 1.0),
            "sheenColorTexture": obj("textureInfo"),
            "sheenRoughnessFactor": UNIT,
            "sheenRoughnessTexture": obj("textureInfo"),
        },
    ),
    "KHR_materials_specular": Shape(
        "material",
        {
            "specularFactor": UNIT,
            "specularTexture": obj("textureInfo"),
            "specularColorFactor": numbers(3, 0.0),
            "specularColorTexture": obj("textureInfo"),
        },
    ),
    "KHR_materials_transmission": Shape(
        "material",
        {"transmissionFactor": UNIT, "transmissionTexture": obj("textureInfo")},
    ),
    "KHR_materials_unlit": Shape("material", {}),
    "KHR_materials_volume": Shape(
        "material",
        {
            "thicknessFactor": number(0),
            "thicknessTexture": obj("textureInfo"),
            "attenuationDistance": number(0, exclusive_low=True),
            "attenuationColor": numbers(3, 0.0, 1.0),
        },
    ),
    "KHR_node_visibility": Shape("node", {"visible": BOOL}),
    "KHR_texture_transform": Shape(
        "textureInfo",
        {
            "offset": numbers(2),
            "rotation": number(),
            "scale": numbers(2),
            "texCoord": integer(0),
        },
    ),
    "EXT_texture_webp": Shape("texture", {"source": index("images")}),
    "KHR_texture_basisu": Shape("texture", {"source": index("images")}),
    "KHR_draco_mesh_compression": Shape(
        "primitive",
        {
            "bufferView": req(index("bufferViews")),
            "attributes": req(Spec("map", item=integer(0))),
        },
    ),
    "EXT_meshopt_compression@buffer": Shape("buffer", {"fallback": BOOL}),
    "EXT_meshopt_compression": Shape(
        "bufferView",
        {
            "buffer": req(index("buffers")),
            "byteOffset": integer(0),
            "byteLength": req(integer(1)),
            "byteStride": req(integer(1, 256)),
            "count": req(integer(1)),
            "mode": req(text("ATTRIBUTES", "TRIANGLES", "INDICES")),
            "filter": text("NONE", "OCTAHEDRAL", "QUATERNION", "EXPONENTIAL"),
        },
    ),
    "EXT_mesh_gpu_instancing": Shape("node", {"attributes": req(ATTRIBUTES)}),
}

SHAPES: Mapping[str, Shape] = {**_CORE, **_EXTENDED}

# Which extension objects may sit on which kind of object: name -> kind -> table.
EXTENSIONS: Mapping[str, Mapping[str, str]] = {
    "KHR_lights_punctual": {
        "gltf": "KHR_lights_punctual",
        "node": "KHR_lights_punctual@node",
    },
    "KHR_materials_variants": {
        "gltf": "KHR_materials_variants",
        "primitive": "KHR_materials_variants@primitive",
    },
    "EXT_meshopt_compression": {
        "bufferView": "EXT_meshopt_compression",
        "buffer": "EXT_meshopt_compression@buffer",
    },
    **{
        name: {shape.kind: name}
        for name, shape in _EXTENDED.items()
        if name[:4] in ("KHR_", "EXT_")
        and "@" not in name
        and name not in ("KHR_lights_punctual", "KHR_materials_variants", "EXT_meshopt_compression")
    },
    "KHR_mesh_quantization": {},  # declared only, never an object
}
