"""Roles and the one table of what each may do.

The table is explicit rather than a ladder of ranks: an admin manages people and tokens
but does not publish, a venue publishes its live show and nothing else.  Changing who may
do what is one line here, and the tests read this table.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["PERMISSIONS", "Action", "Role", "allowed", "parse_role"]


class Role(StrEnum):
    VISITOR = "visitor"  # anonymous: no account, no session
    CURATOR = "curator"
    PUBLISHER = "publisher"
    ADMIN = "admin"
    VENUE = "venue"


class Action(StrEnum):
    VIEW_GALLERY = "gallery.view"
    READ_STUDIO = "studio.read"
    EDIT_DRAFTS = "drafts.edit"
    PUBLISH = "scenes.publish"
    RESTORE = "scenes.restore"
    MANAGE_USERS = "users.manage"
    MANAGE_TOKENS = "tokens.manage"
    PUBLISH_LIVE = "live.publish"


PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.VISITOR: frozenset({Action.VIEW_GALLERY}),
    Role.CURATOR: frozenset({Action.VIEW_GALLERY, Action.READ_STUDIO, Action.EDIT_DRAFTS}),
    Role.PUBLISHER: frozenset(
        {
            Action.VIEW_GALLERY,
            Action.READ_STUDIO,
            Action.EDIT_DRAFTS,
            Action.PUBLISH,
            Action.RESTORE,
        }
    ),
    Role.ADMIN: frozenset(
        {Action.VIEW_GALLERY, Action.READ_STUDIO, Action.MANAGE_USERS, Action.MANAGE_TOKENS}
    ),
    Role.VENUE: frozenset({Action.VIEW_GALLERY, Action.READ_STUDIO, Action.PUBLISH_LIVE}),
}
"""Role -> the actions it may take; anything not listed is refused."""

STAFF_ROLES = tuple(role for role in Role if role is not Role.VISITOR)
"""The roles an account may hold (a visitor is nobody signed in)."""


def allowed(role: Role, action: Action) -> bool:
    """Whether ``role`` may take ``action``."""
    return action in PERMISSIONS.get(role, frozenset())


def parse_role(text: str) -> Role | None:
    """The staff role named ``text``, or None (``visitor`` is not an account's role)."""
    try:
        role = Role(text)
    except ValueError:
        return None
    return None if role is Role.VISITOR else role
