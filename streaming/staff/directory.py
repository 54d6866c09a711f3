"""The accounts as the server sees them: the users file, reread when it changes on disk.

``museion user add`` and ``remove`` edit the file while the server runs; a stat per
request (size, mtime, inode) is cheap and makes a removed account or a changed role count
at once, not at the next restart.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from museion.streaming.errors import StaffError
from museion.streaming.staff.users import StaffUser, load_users

__all__ = ["UsersDirectory"]

logger = logging.getLogger(__name__)


class UsersDirectory:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._stamp: tuple[int, int, int] | None = None
        self._users: dict[str, StaffUser] = {}
        if path is None:
            logger.warning("no staff users file is configured: nobody can sign in")

    def users(self) -> dict[str, StaffUser]:
        """The current accounts (none while the file is invalid: fail closed)."""
        if self.path is None:
            return {}
        try:
            info = os.stat(self.path)
            stamp = (info.st_mtime_ns, info.st_size, info.st_ino)
        except FileNotFoundError:
            self._stamp, self._users = None, {}
            return self._users
        except OSError:
            logger.exception("cannot stat the staff users file %s", self.path)
            return {}
        if stamp != self._stamp:
            self._stamp = stamp
            try:
                self._users = load_users(self.path)
            except StaffError as exc:  # fail closed: nobody signs in until it is fixed
                logger.error("staff accounts unusable, nobody can sign in: %s", exc.message)
                self._users = {}
            else:
                logger.info("read %d staff account(s) from %s", len(self._users), self.path)
        return self._users
