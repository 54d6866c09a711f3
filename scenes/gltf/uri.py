"""The one resolver for every external resource a glTF names (buffers and images).

Only two kinds of URI are let through: a relative reference that, after percent-decoding,
backslash normalisation and symlink resolution, names a regular file inside the glTF's own
folder; and a well-formed ``data:`` URI of an allowed media type, decoded within a size
cap.  Everything else (schemes, absolute paths, drive letters, UNC shares, ``..`` escapes,
NUL bytes, devices) is refused with a stable code, before any file is opened.

What is a URI's own (schemes, percent-encoding, ``data:``) is here; the path that remains
goes through :mod:`asset_path`, the policy scene documents' file names share.  Pure:
:func:`resolve_uri` touches the file system only to resolve and stat the candidate path,
never to read outside ``folder``.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote_to_bytes

from museion.scenes.asset_path import URI_CODES, AssetFile, find_file, relative_parts
from museion.scenes.errors import AssetRejected

__all__ = [
    "BUFFER_MEDIA_TYPES",
    "IMAGE_MEDIA_TYPES",
    "DataUri",
    "FileUri",
    "resolve_uri",
]

BUFFER_MEDIA_TYPES = frozenset({"application/octet-stream", "application/gltf-buffer"})
IMAGE_MEDIA_TYPES = frozenset({"image/png", "image/jpeg", "image/webp", "image/ktx2"})
_MAX_URI_CHARS = 4096
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_DATA = re.compile(r"^data:(?P<type>[^;,]*)(?P<params>(;[^;,]*)*?)(?P<b64>;base64)?,", re.I)
_BASE64 = re.compile(rb"^[A-Za-z0-9+/]*={0,2}$")


FileUri = AssetFile
"""A relative URI resolved to a regular file inside the glTF's folder."""


@dataclass(frozen=True)
class DataUri:
    """A ``data:`` URI, decoded."""

    media_type: str
    data: bytes


def _reject(code: str, where: str, sentence: str) -> AssetRejected:
    return AssetRejected(code, where, sentence)


def _decode_data(uri: str, where: str, allowed: frozenset[str], max_bytes: int) -> DataUri:
    match = _DATA.match(uri)
    if match is None:
        raise _reject("URI_DATA_MALFORMED", where, "the data: URI has no ',' after its header")
    params = [p for p in match["params"].split(";")[1:]]
    if any("=" not in p or not p.split("=", 1)[0].strip() for p in params):
        raise _reject(
            "URI_DATA_MALFORMED", where, "a data: URI parameter must read attribute=value"
        )
    media_type = match["type"].strip().lower() or "text/plain"
    if media_type not in allowed:
        raise _reject(
            "URI_DATA_MEDIA_TYPE",
            where,
            f"a data: URI of type {media_type[:60]!r} is not allowed here; "
            f"expected one of {sorted(allowed)}",
        )
    payload = uri[match.end() :]
    if not match["b64"]:
        data = unquote_to_bytes(payload)
    else:
        if len(payload) * 3 // 4 > max_bytes:
            raise _reject(
                "URI_DATA_TOO_LARGE", where, f"the data: URI holds more than {max_bytes} bytes"
            )
        raw = payload.encode("ascii", "replace")
        if len(raw) % 4 or not _BASE64.match(raw):
            raise _reject("URI_DATA_MALFORMED", where, "the data: URI is not valid base64")
        try:
            data = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise _reject("URI_DATA_MALFORMED", where, "the data: URI is not valid base64") from exc
    if len(data) > max_bytes:
        raise _reject(
            "URI_DATA_TOO_LARGE", where, f"the data: URI holds more than {max_bytes} bytes"
        )
    return DataUri(media_type=media_type, data=data)


def _relative_parts(uri: str, where: str) -> tuple[str, ...]:
    """The path segments of a relative reference, decoded once, or a refusal: schemes and
    percent-encoding are a URI's own; NUL, UNC, absolute and ``..`` are the shared policy's."""
    if _SCHEME.match(uri) or re.match(r"^[A-Za-z]:", uri):
        raise _reject(
            "URI_NOT_RELATIVE", where, "only relative file names and data: URIs are allowed"
        )
    try:
        decoded = unquote_to_bytes(uri.split("#", 1)[0].split("?", 1)[0]).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _reject("URI_INVALID", where, "the URI is not UTF-8 once decoded") from exc
    return relative_parts(decoded, where, URI_CODES)


def resolve_uri(
    uri: object,
    folder: Path,
    where: str,
    *,
    media_types: frozenset[str] = BUFFER_MEDIA_TYPES,
    max_bytes: int,
) -> FileUri | DataUri:
    """Resolve the URI at JSON pointer ``where`` of a glTF in ``folder``, or refuse it.

    ``media_types`` are the ``data:`` types allowed (buffers or images); ``max_bytes`` caps
    a decoded ``data:`` URI and the referenced file.  Raises :class:`AssetRejected`.
    """
    if not isinstance(uri, str) or not uri:
        raise _reject("URI_INVALID", where, "the URI must be a non-empty string")
    if len(uri) > _MAX_URI_CHARS and not uri[:5].lower() == "data:":
        raise _reject("URI_INVALID", where, f"the URI is longer than {_MAX_URI_CHARS} characters")
    if uri[:5].lower() == "data:":
        return _decode_data(uri, where, media_types, max_bytes)
    parts = _relative_parts(uri, where)
    return find_file(folder, parts, where, URI_CODES, max_bytes=max_bytes)
