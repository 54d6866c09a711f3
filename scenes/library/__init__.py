"""An exhibition's draft, its published versions and its audit trail, on disk."""

from museion.scenes.errors import DiskFull, DraftChanged, LibraryError
from museion.scenes.library.audit import AuditEntry
from museion.scenes.library.disk import Disk
from museion.scenes.library.exhibition import Draft, Exhibition, etag_of
from museion.scenes.library.versions import Version

__all__ = [
    "AuditEntry",
    "Disk",
    "DiskFull",
    "Draft",
    "DraftChanged",
    "Exhibition",
    "LibraryError",
    "Version",
    "etag_of",
]
