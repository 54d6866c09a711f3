"""The permission table: explicit, least privilege, visitors only look."""

from __future__ import annotations

import pytest

from museion.streaming.staff.roles import (
    PERMISSIONS,
    STAFF_ROLES,
    Action,
    Role,
    allowed,
    parse_role,
)


def test_every_role_has_a_row_and_a_visitor_only_views() -> None:
    assert set(PERMISSIONS) == set(Role)
    assert PERMISSIONS[Role.VISITOR] == {Action.VIEW_GALLERY}


@pytest.mark.parametrize(
    ("role", "action", "expected"),
    [
        (Role.CURATOR, Action.EDIT_DRAFTS, True),
        (Role.CURATOR, Action.PUBLISH, False),
        (Role.PUBLISHER, Action.PUBLISH, True),
        (Role.PUBLISHER, Action.RESTORE, True),
        (Role.PUBLISHER, Action.MANAGE_USERS, False),
        (Role.ADMIN, Action.MANAGE_USERS, True),
        (Role.ADMIN, Action.MANAGE_TOKENS, True),
        (Role.ADMIN, Action.PUBLISH, False),
        (Role.VENUE, Action.PUBLISH_LIVE, True),
        (Role.VENUE, Action.EDIT_DRAFTS, False),
        (Role.VISITOR, Action.READ_STUDIO, False),
    ],
)
def test_allowed(role: Role, action: Action, expected: bool) -> None:
    assert allowed(role, action) is expected


def test_only_staff_roles_parse_for_an_account() -> None:
    assert [parse_role(str(r)) for r in STAFF_ROLES] == list(STAFF_ROLES)
    assert parse_role("visitor") is None
    assert parse_role("root") is None
