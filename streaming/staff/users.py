"""Staff accounts on disk: name, role and an Argon2 hash, never a password.

The file is JSON (``{"version": 1, "users": [{"name", "role", "hash"}]}``), written
atomically with mode 0600 (hashes are still worth guarding) under an advisory lock, so the
CLI adding a user and the server rehashing one on sign-in never lose each other's change.
Adding, removing and verifying are pure functions over a mapping; only :func:`load_users`,
:func:`save_users` and :func:`update_users` touch the disk.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from museion.scenes.document.file import atomic_write
from museion.scenes.errors import SceneError
from museion.streaming.errors import StaffError
from museion.streaming.staff.roles import Role, parse_role

__all__ = [
    "MIN_PASSWORD_CHARS",
    "StaffUser",
    "Verified",
    "add_user",
    "load_users",
    "remove_user",
    "save_users",
    "update_users",
    "verify_user",
]

logger = logging.getLogger(__name__)

MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 1024  # Argon2 takes any length; a megabyte "password" is an attack
MAX_FILE_BYTES = 1 << 20
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")

Users = Mapping[str, "StaffUser"]


@dataclass(frozen=True)
class StaffUser:
    name: str
    role: Role
    hash: str = field(repr=False)


@dataclass(frozen=True)
class Verified:
    """A verified account; ``rehashed`` is its new hash when the parameters changed."""

    user: StaffUser
    rehashed: str | None = None


def check_name(name: str) -> str:
    if not NAME.fullmatch(name):
        raise StaffError(
            f"{name!r} is not a usable account name (letters, digits, '_', '.', '-'; 1-64).",
            code="USER_NAME_INVALID",
        )
    return name


def add_user(
    users: Users, name: str, role: Role, password: str, hasher: PasswordHasher
) -> dict[str, StaffUser]:
    """``users`` with a new account; refuses an existing name or a short password."""
    check_name(name)
    if name in users:
        raise StaffError(f"There is already an account named {name!r}.", code="USER_EXISTS")
    if role is Role.VISITOR:
        raise StaffError("A visitor is nobody signed in, not an account.", code="ROLE_UNKNOWN")
    if len(password) < MIN_PASSWORD_CHARS:
        raise StaffError(
            f"A password needs at least {MIN_PASSWORD_CHARS} characters.",
            code="PASSWORD_TOO_SHORT",
        )
    if len(password) > MAX_PASSWORD_CHARS:
        raise StaffError(
            f"A password has at most {MAX_PASSWORD_CHARS} characters.", code="PASSWORD_TOO_LONG"
        )
    return {**users, name: StaffUser(name, role, hasher.hash(password))}


def remove_user(users: Users, name: str) -> dict[str, StaffUser]:
    """``users`` without ``name``; refuses an unknown name."""
    if name not in users:
        raise StaffError(f"There is no account named {name!r}.", code="USER_UNKNOWN")
    return {key: user for key, user in users.items() if key != name}


def verify_user(
    users: Users, name: str, password: str, hasher: PasswordHasher, dummy_hash: str
) -> Verified | None:
    """The account if ``password`` is its own, else None.

    An unknown name is verified against ``dummy_hash`` (same hasher) so it costs the same
    time as a known one: the answer's timing does not tell which names exist.
    """
    user = users.get(name)
    hashed = user.hash if user is not None else dummy_hash
    try:
        hasher.verify(hashed, password[:MAX_PASSWORD_CHARS])
    except (VerificationError, InvalidHashError):
        return None
    if user is None or len(password) > MAX_PASSWORD_CHARS:
        return None
    if hasher.check_needs_rehash(user.hash):
        return Verified(user, hasher.hash(password))
    return Verified(user)


def load_users(path: Path) -> dict[str, StaffUser]:
    """The accounts in ``path`` (none when it does not exist yet)."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise StaffError(f"cannot read {path}: {exc.strerror}", code="USERS_FILE_INVALID") from exc
    if len(raw) > MAX_FILE_BYTES:
        raise StaffError(f"{path} is over {MAX_FILE_BYTES} bytes.", code="USERS_FILE_INVALID")
    return _parse(raw, path)


def _parse(raw: bytes, path: Path) -> dict[str, StaffUser]:
    def bad(why: str) -> StaffError:
        return StaffError(f"{path} is not a staff accounts file: {why}.", code="USERS_FILE_INVALID")

    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise bad("not JSON") from exc
    if not isinstance(data, dict) or data.get("version") != 1:
        raise bad("expected an object with version 1")
    entries = data.get("users")
    if not isinstance(entries, list):
        raise bad("'users' is not a list")
    users: dict[str, StaffUser] = {}
    for entry in entries:
        if not isinstance(entry, dict):
            raise bad("an account is not an object")
        name, role, hashed = entry.get("name"), entry.get("role"), entry.get("hash")
        if not (isinstance(name, str) and isinstance(role, str) and isinstance(hashed, str)):
            raise bad("an account lacks a name, role or hash")
        staff_role = parse_role(role)
        if staff_role is None or not NAME.fullmatch(name) or name in users:
            raise bad(f"account {name!r} has an unknown role or a bad or repeated name")
        if not hashed.startswith("$argon2"):
            raise bad(f"account {name!r} has no Argon2 hash")
        users[name] = StaffUser(name, staff_role, hashed)
    return users


def dump_users(users: Users) -> bytes:
    """Canonical bytes: accounts sorted by name, two-space indent, final newline."""
    entries = [
        {"name": u.name, "role": str(u.role), "hash": u.hash}
        for u in sorted(users.values(), key=lambda u: u.name)
    ]
    return (json.dumps({"version": 1, "users": entries}, indent=2) + "\n").encode("utf-8")


def save_users(path: Path, users: Users) -> None:
    """Write atomically (temporary file, fsync, rename, fsync the folder), readable by
    its owner only."""
    try:
        atomic_write(path, dump_users(users), mode=0o600)
    except SceneError as exc:
        raise StaffError(exc.message, code="WRITE_FAILED") from exc


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    lock = path.with_name(f".{path.name}.lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def update_users(
    path: Path, change: Callable[[dict[str, StaffUser]], dict[str, StaffUser]]
) -> dict[str, StaffUser]:
    """Read, change and save ``path`` under its lock; returns the saved accounts."""
    with _locked(path):
        users = change(load_users(path))
        save_users(path, users)
    return users


def with_hash(users: Users, name: str, hashed: str) -> dict[str, StaffUser]:
    """``users`` with ``name``'s hash replaced (after a rehash on sign-in)."""
    if name not in users:
        return dict(users)  # removed meanwhile: nothing to upgrade
    return {**users, name: replace(users[name], hash=hashed)}
