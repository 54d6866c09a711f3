"""Who the staff are and what each may do: accounts, roles, sign-in, sessions, CSRF."""

from __future__ import annotations

from museion.streaming.staff.roles import Action, Role, allowed
from museion.streaming.staff.routes import StaffGate, current_staff, require, staff_name
from museion.streaming.staff.settings import StaffSettings
from museion.streaming.staff.users import StaffUser, add_user, load_users, remove_user

__all__ = [
    "Action",
    "Role",
    "StaffGate",
    "StaffSettings",
    "StaffUser",
    "add_user",
    "allowed",
    "current_staff",
    "load_users",
    "remove_user",
    "require",
    "staff_name",
]
