"""The one path policy for every file a document names: a glTF's buffers and images (after
:mod:`.gltf.uri` decodes the URI), the models, recordings and images of a scene document,
and a glTF named on the command line.

A name is refused before the file system is asked (NUL, absolute, drive letter, UNC, a
``..`` that climbs out of the folder), then resolved strictly with every link followed,
and must land on a regular file inside the folder.  Whatever the file system answers (a
link loop, a dangling link, a name too long, a folder that cannot be entered, a file that
cannot be read) becomes an :class:`AssetRejected` with a stable code: callers put it in a
report, and no ``OSError``, ``RuntimeError`` or ``ValueError`` reaches a user.
"""

from __future__ import annotations

import errno
import re
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from museion.scenes.errors import AssetRejected

__all__ = ["ASSET_CODES", "URI_CODES", "AssetFile", "PathCodes", "find_file", "relative_parts"]

_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class PathCodes:
    """The codes and words one kind of reference reports with (URIs keep ``URI_*``)."""

    invalid: str
    absolute: str
    outside: str
    not_found: str
    not_a_file: str
    too_large: str
    unreadable: str
    subject: str  # what the name is called in a sentence: "the URI"
    place: str  # where it must lead: "the glTF's folder"


URI_CODES = PathCodes(
    invalid="URI_INVALID",
    absolute="URI_NOT_RELATIVE",
    outside="URI_OUTSIDE_FOLDER",
    not_found="URI_NOT_FOUND",
    not_a_file="URI_NOT_A_FILE",
    too_large="URI_FILE_TOO_LARGE",
    unreadable="URI_UNREADABLE",
    subject="the URI",
    place="the glTF's folder",
)
ASSET_CODES = PathCodes(
    invalid="PATH_INVALID",
    absolute="PATH_ABSOLUTE",
    outside="URI_OUTSIDE_ROOT",
    not_found="NOT_FOUND",
    not_a_file="NOT_A_FILE",
    too_large="FILE_TOO_LARGE",
    unreadable="FILE_UNREADABLE",
    subject="the name",
    place="the asset root",
)


@dataclass(frozen=True)
class AssetFile:
    """A regular file inside the folder it was looked for in; :meth:`read` keeps the
    promise that a file system error is a refusal, not an exception."""

    path: Path
    size: int
    where: str = ""
    codes: PathCodes = ASSET_CODES

    def read(self) -> bytes:
        """The file's bytes; raises :class:`AssetRejected` when they cannot be read."""
        try:
            return self.path.read_bytes()
        except OSError as exc:
            raise AssetRejected(
                self.codes.unreadable, self.where, f"the file cannot be read: {_reason(exc)}"
            ) from exc


def _reason(exc: BaseException) -> str:
    """The operating system's words for ``exc`` (a loop is a RuntimeError in Python 3.11)."""
    if isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == errno.ELOOP:
        return "its symbolic links form a loop"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror[0].lower() + exc.strerror[1:]
    return str(exc)


def relative_parts(name: str, where: str, codes: PathCodes = ASSET_CODES) -> tuple[str, ...]:
    """The segments of a relative name (backslashes read as slashes), or a refusal."""
    subject = codes.subject
    if not name:
        raise AssetRejected(codes.invalid, where or "<empty>", f"{subject} is empty")
    if "\x00" in name:
        raise AssetRejected(codes.invalid, where, f"{subject} contains a NUL character")
    if name.startswith(("\\\\", "//")):
        raise AssetRejected(codes.absolute, where, "network paths (UNC, //host) are not allowed")
    normalised = name.replace("\\", "/")
    if normalised.startswith("/") or _DRIVE.match(normalised):
        raise AssetRejected(
            codes.absolute, where, f"{subject} is absolute; name a file relative to {codes.place}"
        )
    parts = PurePosixPath(normalised).parts
    depth = 0
    for part in parts:
        depth += -1 if part == ".." else (0 if part == "." else 1)
        if depth < 0:
            raise AssetRejected(codes.outside, where, f"{subject} climbs out of {codes.place}")
    if depth == 0:
        raise AssetRejected(codes.invalid, where, f"{subject} names no file")
    return tuple(parts)


def find_file(
    folder: Path,
    name: str | tuple[str, ...],
    where: str,
    codes: PathCodes = ASSET_CODES,
    *,
    max_bytes: int | None = None,
) -> AssetFile:
    """The regular file ``name`` names inside ``folder`` (links followed, and the target
    still inside), or :class:`AssetRejected`; ``where`` is what the refusal names (a JSON
    pointer, or the name itself)."""
    parts = relative_parts(name, where, codes) if isinstance(name, str) else name
    shown = _shorten("/".join(parts))
    try:
        real_folder = folder.resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        code = codes.not_found if isinstance(exc, FileNotFoundError) else codes.invalid
        raise AssetRejected(
            code, where, f"the folder {_shorten(str(folder))!r} cannot be used: {_reason(exc)}"
        ) from exc
    try:
        path = real_folder.joinpath(*parts).resolve(strict=True)
        info = path.stat()
    except (FileNotFoundError, NotADirectoryError) as exc:
        if _is_link(folder.joinpath(*parts)):
            detail = f"{shown!r} is a link to a file that does not exist"
        else:
            detail = f"no file {shown!r} in {codes.place}"
        raise AssetRejected(codes.not_found, where, detail) from exc
    except (OSError, RuntimeError) as exc:  # loops, a folder not entered, names too long
        code = codes.unreadable if isinstance(exc, PermissionError) else codes.invalid
        raise AssetRejected(code, where, f"{shown!r} cannot be resolved: {_reason(exc)}") from exc
    if not path.is_relative_to(real_folder):
        raise AssetRejected(
            codes.outside, where, f"{codes.subject} leads out of {codes.place} (via a link)"
        )
    if stat.S_ISDIR(info.st_mode):
        raise AssetRejected(codes.not_a_file, where, f"{shown!r} is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise AssetRejected(codes.not_a_file, where, f"{shown!r} is a device or pipe, not a file")
    if max_bytes is not None and info.st_size > max_bytes:
        raise AssetRejected(
            codes.too_large, where, f"the file is {info.st_size} bytes, over {max_bytes}"
        )
    return AssetFile(path=path, size=info.st_size, where=where, codes=codes)


def _shorten(name: str, width: int = 120) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"


def _is_link(path: Path) -> bool:
    try:
        return path.is_symlink()
    except (OSError, ValueError):
        return False
