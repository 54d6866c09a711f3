"""The semantic rules of the root, buffers, accessors, cameras, materials, textures and of
the extensions that span objects (lights, variants, volume): what the schema alone cannot
say, read from the JSON."""

from __future__ import annotations

import math
import re
from typing import Any

from museion.scenes.gltf.report import Reporter
from museion.scenes.gltf.rules.document import (
    FLOAT,
    UINT,
    RuleDocument,
)
from museion.scenes.gltf.rules.schema_table import (
    ACCESSOR_TYPES,
)
from museion.scenes.gltf.rules.values import (
    as_dict,
    as_int,
    as_list,
    is_number,
    show,
)

__all__ = [
    "check_accessors",
    "check_asset",
    "check_buffer_views",
    "check_cameras",
    "check_extension_lists",
    "check_extension_objects",
    "check_materials",
    "check_textures",
]

_MUST_BE_REQUIRED = frozenset({"KHR_mesh_quantization"})


def check_extension_lists(doc: RuleDocument, report: Reporter) -> None:
    required = as_list(doc.document.get("extensionsRequired"))
    for i, name in enumerate(required):
        if isinstance(name, str) and name not in doc.used:
            report.error(
                "UNUSED_EXTENSION_REQUIRED",
                f"/extensionsRequired/{i}",
                f"Unused extension {show(name)} cannot be required; list it in extensionsUsed.",
            )
    for i, name in enumerate(as_list(doc.document.get("extensionsUsed"))):
        if isinstance(name, str) and name in _MUST_BE_REQUIRED and name not in required:
            report.error(
                "NON_REQUIRED_EXTENSION",
                f"/extensionsUsed/{i}",
                f"Extension {show(name)} cannot be optional; list it in extensionsRequired.",
            )
    for name, where in doc.walk.used.items():
        if name not in doc.used:
            report.error(
                "UNDECLARED_EXTENSION",
                where,
                f"Extension {show(name)} is used but not declared in extensionsUsed.",
            )


def check_asset(doc: RuleDocument, report: Reporter) -> None:
    asset = as_dict(doc.document.get("asset"))
    pattern = re.compile(r"^([0-9]+)\.([0-9]+)$")
    version = asset.get("version")
    found = pattern.match(version) if isinstance(version, str) and len(version) <= 20 else None
    if found is None:
        return
    major, minor = int(found[1]), int(found[2])
    if major != 2:
        report.error(
            "UNKNOWN_ASSET_MAJOR_VERSION",
            "/asset/version",
            f"Unknown glTF major asset version: {major}; convert it to glTF 2.0.",
        )
    elif minor > 0:
        report.warning(
            "UNKNOWN_ASSET_MINOR_VERSION",
            "/asset/version",
            f"Unknown glTF minor asset version: {minor}.",
        )
    least = asset.get("minVersion")
    found_min = pattern.match(least) if isinstance(least, str) and len(least) <= 20 else None
    if found_min and (int(found_min[1]), int(found_min[2])) > (major, minor):
        report.error(
            "ASSET_MIN_VERSION_GREATER_THAN_VERSION",
            "/asset/minVersion",
            f"Asset minVersion {show(least)} is greater than version {show(version)}.",
        )


def check_accessors(doc: RuleDocument, report: Reporter) -> None:
    for i, entry in doc.entries("accessors"):
        accessor = doc.accessors[i]
        base = f"/accessors/{i}"
        if accessor.normalized and accessor.component in (FLOAT, UINT):
            report.error(
                "ACCESSOR_NORMALIZED_INVALID",
                f"{base}/normalized",
                "Only (u)byte and (u)short accessors can be normalized.",
            )
        width = ACCESSOR_TYPES.get(accessor.type or "")
        for bound in ("min", "max"):
            values = entry.get(bound)
            if (
                width
                and isinstance(values, list)
                and 0 < len(values) <= 16
                and len(values) != width
            ):
                report.error(
                    "ARRAY_LENGTH_NOT_IN_LIST",
                    f"{base}/{bound}",
                    f"Invalid array length {len(values)}. Valid lengths are: ({width}), "
                    f"the components of a {accessor.type}.",
                )
        sparse = as_int(as_dict(entry.get("sparse")).get("count"))
        if sparse is not None and accessor.count is not None and sparse > accessor.count > 0:
            report.error(
                "ACCESSOR_SPARSE_COUNT_OUT_OF_RANGE",
                f"{base}/sparse",
                f"Sparse accessor overrides more elements ({show(sparse)}) than the base accessor "
                f"contains ({show(accessor.count)}).",
            )


def check_buffer_views(doc: RuleDocument, report: Reporter) -> None:
    for i, view in doc.entries("bufferViews"):
        if "byteStride" in view and as_int(view.get("target")) == 34963:
            report.error(
                "BUFFER_VIEW_INVALID_BYTE_STRIDE",
                f"/bufferViews/{i}/byteStride",
                "Only buffer views with raw vertex data can have byteStride.",
            )


def check_cameras(doc: RuleDocument, report: Reporter) -> None:
    for i, camera in doc.entries("cameras"):
        base = f"/cameras/{i}"
        kind = camera.get("type")
        if kind in ("perspective", "orthographic"):
            other = "orthographic" if kind == "perspective" else "perspective"
            if kind not in camera:
                report.error("UNDEFINED_PROPERTY", base, f"Property '{kind}' must be defined.")
            elif other in camera:
                report.error(
                    "ONE_OF_MISMATCH",
                    base,
                    "Exactly one of ('orthographic', 'perspective') properties must be defined.",
                )
        ortho = as_dict(camera.get("orthographic"))
        for side in ("xmag", "ymag"):
            value = ortho.get(side)
            if is_number(value) and value == 0:
                report.error(
                    "CAMERA_XMAG_YMAG_ZERO",
                    f"{base}/orthographic/{side}",
                    "xmag and ymag must not be zero.",
                )
            elif is_number(value) and value < 0:
                report.warning(
                    "CAMERA_XMAG_YMAG_NEGATIVE",
                    f"{base}/orthographic/{side}",
                    "xmag and ymag should not be negative.",
                )
        for projection in ("orthographic", "perspective"):
            section = as_dict(camera.get(projection))
            near, far = section.get("znear"), section.get("zfar")
            if is_number(near) and is_number(far) and far <= near:
                report.error(
                    "CAMERA_ZFAR_LEQUAL_ZNEAR",
                    f"{base}/{projection}",
                    f"zfar must be greater than znear ({show(far)} <= {show(near)}).",
                )
        yfov = as_dict(camera.get("perspective")).get("yfov")
        if is_number(yfov) and yfov >= math.pi:
            report.warning(
                "CAMERA_YFOV_GEQUAL_PI", f"{base}/perspective/yfov", "yfov should be less than Pi."
            )


def check_materials(doc: RuleDocument, report: Reporter) -> None:
    for i, material in doc.entries("materials"):
        if "alphaCutoff" in material and material.get("alphaMode") != "MASK":
            report.warning(
                "MATERIAL_ALPHA_CUTOFF_INVALID_MODE",
                f"/materials/{i}/alphaCutoff",
                "Alpha cutoff is supported only for 'MASK' alpha mode.",
            )


def check_textures(doc: RuleDocument, report: Reporter) -> None:
    for i, texture in doc.entries("textures"):
        extensions = as_dict(texture.get("extensions"))
        for where, source, valid in (
            (f"/textures/{i}/source", texture.get("source"), ("image/jpeg", "image/png")),
            (
                f"/textures/{i}/extensions/EXT_texture_webp/source",
                as_dict(extensions.get("EXT_texture_webp")).get("source"),
                ("image/webp",),
            ),
            (
                f"/textures/{i}/extensions/KHR_texture_basisu/source",
                as_dict(extensions.get("KHR_texture_basisu")).get("source"),
                ("image/ktx2",),
            ),
        ):
            kind = doc.image_type(source)
            if kind is not None and kind not in valid:
                shown = ", ".join(f"'{v}'" for v in valid)
                report.error(
                    "TEXTURE_INVALID_IMAGE_MIME_TYPE",
                    where,
                    f"Invalid MIME type {show(kind)} for the texture source. "
                    f"Valid MIME types are ({shown}).",
                )


def check_extension_objects(doc: RuleDocument, report: Reporter) -> None:
    """The JSON rules of the KHR_* extensions that span more than one object."""
    found = doc.walk.found
    root = as_dict(doc.document.get("extensions"))
    for entry in found.get("KHR_lights_punctual", []):
        if entry.kind == "node" and not isinstance(root.get("KHR_lights_punctual"), dict):
            report.error(
                "UNSATISFIED_DEPENDENCY",
                entry.pointer,
                "Dependency failed. '/extensions/KHR_lights_punctual' must be defined.",
            )
        for n, light in enumerate(
            as_list(entry.value.get("lights")) if entry.kind == "gltf" else []
        ):
            _check_light(as_dict(light), f"{entry.pointer}/lights/{n}", report)
    for entry in found.get("KHR_materials_variants", []):
        if entry.kind == "primitive" and not isinstance(root.get("KHR_materials_variants"), dict):
            for n, _ in enumerate(as_list(entry.value.get("mappings"))):
                report.error(
                    "UNSATISFIED_DEPENDENCY",
                    f"{entry.pointer}/mappings/{n}",
                    "Dependency failed. '/extensions/KHR_materials_variants' must be defined.",
                )
    for entry in found.get("KHR_materials_volume", []):
        if not any(
            k in entry.siblings
            for k in ("KHR_materials_transmission", "KHR_materials_diffuse_transmission")
        ):
            report.warning(
                "KHR_MATERIALS_VOLUME_NO_TRANSMISSION",
                entry.pointer,
                "The volume extension needs to be combined with an extension that allows light "
                "to transmit through the surface.",
            )


def _check_light(light: dict[str, Any], pointer: str, report: Reporter) -> None:
    kind = light.get("type")
    if kind == "spot" and "spot" not in light:
        report.error("UNDEFINED_PROPERTY", pointer, "Property 'spot' must be defined.")
    elif kind in ("directional", "point") and "spot" in light:
        report.info(
            "EXTRA_PROPERTY",
            f"{pointer}/spot",
            "This property should not be defined as it will not be used.",
        )
    spot = as_dict(light.get("spot"))
    inner, outer = spot.get("innerConeAngle", 0.0), spot.get("outerConeAngle", math.pi / 4)
    if is_number(inner) and is_number(outer) and outer <= inner:
        report.error(
            "KHR_LIGHTS_PUNCTUAL_LIGHT_SPOT_ANGLES",
            f"{pointer}/spot",
            f"outerConeAngle ({show(outer)}) is less than or equal to innerConeAngle "
            f"({show(inner)}).",
        )
