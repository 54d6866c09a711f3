"""Buffer, buffer view and accessor checks: every byte range inside its parent, then the data.

The range pass reads only the JSON and the real length of each buffer, with Python ints, so
a count of 2**53 or an offset of -12 costs nothing.  Accessors that pass it are read
(:func:`.read.read_accessor`) and their values checked
(:mod:`.values`).  Codes, severities and pointers follow the Khronos
glTF-Validator.  Compressed data (``KHR_draco_mesh_compression``,
``EXT_meshopt_compression``) is range-checked; its values are left to the decoders.
"""

from __future__ import annotations

from typing import Any

from museion.scenes.gltf.accessors.layout import (
    COMPONENTS,
    DRACO,
    INDEX_TYPES,
    MESHOPT,
    Element,
    ViewRange,
    declared_length,
    element_of,
    extension_of,
    json_item,
    json_list,
    json_uint,
    pad4,
    primitives_of,
    quantity,
    view_of,
)
from museion.scenes.gltf.accessors.values import check_accessor_data
from museion.scenes.gltf.report import Reporter

__all__ = ["check_accessors"]

_ELEMENT_ARRAY_BUFFER = 34963


def _check_buffers(document: dict[str, Any], buffers: list[bytes | None], report: Reporter) -> None:
    for index, buffer in enumerate(json_list(document, "buffers")):
        data = buffers[index] if index < len(buffers) else None
        declared = json_uint(buffer.get("byteLength")) if isinstance(buffer, dict) else None
        if data is None or declared is None:
            continue
        where = f"/buffers/{index}"
        if len(data) < declared:
            report.error(
                "BUFFER_BYTE_LENGTH_MISMATCH",
                where,
                f"the buffer's data is {quantity(len(data))} bytes, fewer than its declared "
                f"byteLength {quantity(declared)}",
            )
        elif index == 0 and "uri" not in buffer and len(data) > pad4(declared):
            report.warning(
                "BUFFER_GLB_CHUNK_TOO_BIG",
                where,
                f"the GLB BIN chunk holds {len(data) - pad4(declared)} bytes "
                "past the buffer's byteLength and its padding",
            )


def _report_bad_uint(
    report: Reporter, code: str, obj: dict[str, Any], where: str, *keys: str
) -> bool:
    """Report each present ``key`` that is not a non-negative integer; True if all are fine."""
    fine = True
    for key in keys:
        if key in obj and json_uint(obj[key]) is None:
            fine = False
            report.error(
                code,
                f"{where}/{key}",
                f"{key} {str(obj[key])[:40]} is not a non-negative integer, so the "
                "bytes it points at cannot be located",
            )
    return fine


def _check_buffer_views(document: dict[str, Any], report: Reporter) -> None:
    for index, view in enumerate(json_list(document, "bufferViews")):
        if not isinstance(view, dict):
            continue
        where = f"/bufferViews/{index}"
        fine = _report_bad_uint(
            report,
            "BUFFER_VIEW_RANGE_INVALID",
            view,
            where,
            "byteOffset",
            "byteLength",
            "byteStride",
        )
        offset, length = json_uint(view.get("byteOffset", 0)), json_uint(view.get("byteLength"))
        stride = json_uint(view.get("byteStride"))
        if stride is not None and length is not None:
            if stride > length:
                report.error(
                    "BUFFER_VIEW_TOO_BIG_BYTE_STRIDE",
                    f"{where}/byteStride",
                    f"byteStride {quantity(stride)} is greater than byteLength {quantity(length)}",
                )
            if view.get("target") == _ELEMENT_ARRAY_BUFFER:
                report.error(
                    "BUFFER_VIEW_INVALID_BYTE_STRIDE",
                    f"{where}/byteStride",
                    "an index buffer view cannot have a byteStride",
                )
        declared = declared_length(document, view.get("buffer"))
        if fine and offset is not None and length is not None and declared is not None:
            _check_inside(report, where, offset, length, declared, "buffer")
        meshopt = extension_of(view, MESHOPT)
        if meshopt is not None:
            _check_meshopt(document, report, meshopt, f"{where}/extensions/{MESHOPT}")


def _check_inside(
    report: Reporter, where: str, offset: int, length: int, parent: int, kind: str
) -> None:
    if offset >= parent:
        report.error(
            "BUFFER_VIEW_TOO_LONG",
            f"{where}/byteOffset",
            f"byteOffset {quantity(offset)} is past the end of its {kind} ({quantity(parent)} "
            f"bytes)",
        )
    elif offset + length > parent:
        report.error(
            "BUFFER_VIEW_TOO_LONG",
            f"{where}/byteLength",
            f"the view ends at byte {quantity(offset + length)}, past the end of its {kind} "
            f"({quantity(parent)} bytes)",
        )


def _check_meshopt(
    document: dict[str, Any], report: Reporter, meshopt: dict[str, Any], where: str
) -> None:
    """The compressed bytes of an EXT_meshopt_compression view must lie in their buffer."""
    if not _report_bad_uint(
        report, "BUFFER_VIEW_RANGE_INVALID", meshopt, where, "byteOffset", "byteLength"
    ):
        return
    offset, length = json_uint(meshopt.get("byteOffset", 0)), json_uint(meshopt.get("byteLength"))
    declared = declared_length(document, meshopt.get("buffer"))
    if offset is not None and length is not None and declared is not None:
        _check_inside(report, where, offset, length, declared, "compressed buffer")


def _check_fit(
    report: Reporter,
    where: str,
    offset: int,
    component: int,
    length: int,
    view: ViewRange,
    view_index: Any,
) -> bool:
    """Alignment and length of ``length`` bytes at ``offset`` inside ``view``."""
    fine = True
    if offset % component:
        fine = False
        report.error(
            "ACCESSOR_OFFSET_ALIGNMENT",
            f"{where}/byteOffset",
            f"byteOffset {quantity(offset)} is not a multiple of the component size {component}",
        )
    total = view.offset + offset
    if total % component:
        fine = False
        report.error(
            "ACCESSOR_TOTAL_OFFSET_ALIGNMENT",
            where,
            f"the data starts at buffer byte {quantity(total)}, not a multiple of the "
            f"component size {component}",
        )
    if offset > view.length:
        report.error(
            "ACCESSOR_TOO_LONG",
            f"{where}/byteOffset",
            f"byteOffset {quantity(offset)} is past the end of bufferView {view_index} "
            f"({quantity(view.length)} bytes)",
        )
        return False
    if offset + length > view.length:
        report.error(
            "ACCESSOR_TOO_LONG",
            where,
            f"the data (offset {quantity(offset)}, {quantity(length)} bytes) does not fit in "
            f"bufferView "
            f"{view_index} ({quantity(view.length)} bytes)",
        )
        return False
    return fine


def _check_accessor(
    document: dict[str, Any], report: Reporter, index: int, accessor: dict[str, Any]
) -> bool:
    """Range checks of one accessor; True when it may be read."""
    where = f"/accessors/{index}"
    fine = _report_bad_uint(
        report, "ACCESSOR_RANGE_INVALID", accessor, where, "byteOffset", "count"
    )
    if accessor.get("count") == 0:
        fine = False
        report.error(
            "ACCESSOR_RANGE_INVALID",
            f"{where}/count",
            "count is 0; an accessor holds at least one element",
        )
    element = element_of(accessor)
    count = json_uint(accessor.get("count"))
    offset = json_uint(accessor.get("byteOffset", 0))
    if accessor.get("normalized") is True and accessor.get("componentType") in (5125, 5126):
        report.error(
            "ACCESSOR_NORMALIZED_INVALID",
            f"{where}/normalized",
            "only byte and short accessors can be normalized",
        )
    if element is not None and element.cols > 1 and offset is not None and offset % 4:
        report.error(
            "ACCESSOR_MATRIX_ALIGNMENT",
            f"{where}/byteOffset",
            "matrix accessors must start on a 4-byte boundary",
        )
    if element is None or not count or offset is None:
        return False
    if "bufferView" in accessor:
        view = view_of(document, accessor["bufferView"])
        if view is None:
            return False
        if view.stride is not None and view.stride < element.length:
            fine = False
            report.error(
                "ACCESSOR_SMALL_BYTESTRIDE",
                where,
                f"the bufferView's byteStride {quantity(view.stride)} is shorter than one "
                f"element ({element.length} bytes)",
            )
        length = (view.stride or element.packed) * (count - 1) + element.length
        fine = (
            _check_fit(report, where, offset, element.size, length, view, accessor["bufferView"])
            and fine
        )
    sparse = accessor.get("sparse")
    if sparse is not None:
        fine = _check_sparse(document, report, f"{where}/sparse", sparse, count, element) and fine
    return fine


def _check_sparse(
    document: dict[str, Any],
    report: Reporter,
    where: str,
    sparse: Any,
    count: int,
    element: Element,
) -> bool:
    if not isinstance(sparse, dict):
        return False
    fine = _report_bad_uint(report, "ACCESSOR_RANGE_INVALID", sparse, where, "count")
    sparse_count = json_uint(sparse.get("count"))
    if sparse_count is not None and sparse_count > count:
        fine = False
        report.error(
            "ACCESSOR_SPARSE_COUNT_OUT_OF_RANGE",
            f"{where}/count",
            f"the sparse accessor replaces {quantity(sparse_count)} elements of only "
            f"{quantity(count)}",
        )
    indices, values = sparse.get("indices"), sparse.get("values")
    if not sparse_count or not isinstance(indices, dict) or not isinstance(values, dict):
        return False
    index_type = indices.get("componentType")
    parts = [(f"{where}/values", values, element.size, element.components * element.size)]
    if index_type in INDEX_TYPES:
        size = COMPONENTS[index_type].itemsize
        parts.insert(0, (f"{where}/indices", indices, size, size))
    else:
        fine = False
    for part_where, part, component, element_bytes in parts:
        if not _report_bad_uint(report, "ACCESSOR_RANGE_INVALID", part, part_where, "byteOffset"):
            fine = False
            continue
        view = view_of(document, part.get("bufferView"))
        if view is None:
            fine = False
            continue
        if view.stride is not None:
            report.error(
                "BUFFER_VIEW_INVALID_BYTE_STRIDE",
                f"{part_where}/bufferView",
                "the buffer view of sparse indices or values cannot have a byteStride",
            )
        offset = json_uint(part.get("byteOffset", 0)) or 0
        fine = (
            _check_fit(
                report,
                part_where,
                offset,
                component,
                element_bytes * sparse_count,
                view,
                part.get("bufferView"),
            )
            and fine
        )
    return fine


def _strided_view(document: dict[str, Any], accessor_index: Any) -> bool:
    accessor = json_item(document, "accessors", accessor_index)
    view = json_item(document, "bufferViews", accessor.get("bufferView")) if accessor else None
    return view is not None and "byteStride" in view


def _check_usage_strides(document: dict[str, Any], report: Reporter) -> None:
    """Buffer views that hold images, matrices, keyframes or indices must be tightly packed."""
    for index, image in enumerate(json_list(document, "images")):
        if isinstance(image, dict) and "bufferView" in image:
            view = json_item(document, "bufferViews", image["bufferView"])
            if view is not None and "byteStride" in view:
                report.error(
                    "IMAGE_BUFFER_VIEW_WITH_BYTESTRIDE",
                    f"/images/{index}/bufferView",
                    "a buffer view holding image data cannot have a byteStride",
                )
    for index, skin in enumerate(json_list(document, "skins")):
        if isinstance(skin, dict) and _strided_view(document, skin.get("inverseBindMatrices")):
            report.error(
                "SKIN_IBM_ACCESSOR_WITH_BYTESTRIDE",
                f"/skins/{index}/inverseBindMatrices",
                "the inverse bind matrices' buffer view cannot have a byteStride",
            )
    for a, animation in enumerate(json_list(document, "animations")):
        samplers = animation.get("samplers") if isinstance(animation, dict) else None
        for s, sampler in enumerate(samplers if isinstance(samplers, list) else []):
            for key in ("input", "output"):
                if isinstance(sampler, dict) and _strided_view(document, sampler.get(key)):
                    report.error(
                        "ANIMATION_SAMPLER_ACCESSOR_WITH_BYTESTRIDE",
                        f"/animations/{a}/samplers/{s}/{key}",
                        "an animation sampler's buffer view cannot have a byteStride",
                    )
    for where, primitive in primitives_of(document):
        if _strided_view(document, primitive.get("indices")):
            report.error(
                "MESH_PRIMITIVE_INDICES_ACCESSOR_WITH_BYTESTRIDE",
                f"{where}/indices",
                "an indices accessor's buffer view cannot have a byteStride",
            )


def _draco_accessors(document: dict[str, Any]) -> set[int]:
    found: set[int] = set()
    for _, primitive in primitives_of(document):
        if extension_of(primitive, DRACO) is None:
            continue
        attributes = primitive.get("attributes")
        indices = [primitive.get("indices")]
        indices += list(attributes.values()) if isinstance(attributes, dict) else []
        found.update(i for i in (json_uint(i) for i in indices) if i is not None)
    return found


def check_accessors(
    document: dict[str, Any], buffers: list[bytes | None], report: Reporter
) -> None:
    """Report ranges that leave their buffer view or buffer, and bad data."""
    _check_buffers(document, buffers, report)
    _check_buffer_views(document, report)
    readable: set[int] = set()
    for index, accessor in enumerate(json_list(document, "accessors")):
        if isinstance(accessor, dict) and _check_accessor(document, report, index, accessor):
            readable.add(index)
    _check_usage_strides(document, report)
    # Values are checked only where they are plain: not compressed, not all-zero by default.
    readable -= _draco_accessors(document)
    for index in list(readable):
        accessor = json_list(document, "accessors")[index]
        view = view_of(document, accessor.get("bufferView"))
        if ("bufferView" not in accessor and "sparse" not in accessor) or (
            view is not None and view.compressed
        ):
            readable.discard(index)
    check_accessor_data(document, buffers, readable, report)
