"""The staff studio's settings (the ``[staff]`` section, ``MUSEION_STAFF_*``)."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["StaffSettings"]


@dataclass(frozen=True)
class StaffSettings:
    """Where the accounts live and how sign-in sessions behave.

    ``session_key`` signs session cookies: give every node of a cluster the same one (and
    keep it across restarts) or sessions end when the process does; None makes a random
    one at start.  ``cookie_secure`` stays True in production (the cookie only over
    HTTPS); turn it off only for plain-HTTP development.
    """

    users_file: str | None = None
    session_key: str | None = field(default=None, repr=False)
    session_seconds: int = 8 * 3600
    cookie_secure: bool = True
    max_failures: int = 5
    failure_window: float = 60.0

    def __post_init__(self) -> None:
        if self.session_seconds < 60:
            raise ValueError("session_seconds must be at least 60")
        if self.max_failures < 1 or self.failure_window <= 0:
            raise ValueError("max_failures must be >= 1 and failure_window > 0")
        if self.session_key is not None and len(self.session_key) < 32:
            raise ValueError("session_key must be at least 32 characters")
