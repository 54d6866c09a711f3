"""Accounts: pure add/remove/verify with real Argon2, the file written atomically as 0600."""

from __future__ import annotations

import json
import shutil
import stat
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from hypothesis import given
from hypothesis import strategies as st

from museion.streaming.errors import StaffError
from museion.streaming.staff.roles import Role
from museion.streaming.staff.users import (
    StaffUser,
    add_user,
    load_users,
    remove_user,
    save_users,
    update_users,
    verify_user,
)

HASHER = PasswordHasher()
DUMMY = HASHER.hash("not anybody's password")
PASSWORD = "correct horse battery"


def test_add_verify_remove() -> None:
    users = add_user({}, "ada", Role.CURATOR, PASSWORD, HASHER)
    assert users["ada"].hash.startswith("$argon2id$")
    assert PASSWORD not in repr(users["ada"])
    verified = verify_user(users, "ada", PASSWORD, HASHER, DUMMY)
    assert verified is not None and verified.user.role is Role.CURATOR
    assert verified.rehashed is None
    assert verify_user(users, "ada", PASSWORD + "!", HASHER, DUMMY) is None
    assert verify_user(users, "nobody", PASSWORD, HASHER, DUMMY) is None
    assert remove_user(users, "ada") == {}


@pytest.mark.parametrize(
    ("name", "role", "password", "code"),
    [
        ("ada", Role.CURATOR, PASSWORD, "USER_EXISTS"),
        ("bo b", Role.CURATOR, PASSWORD, "USER_NAME_INVALID"),
        ("bob", Role.VISITOR, PASSWORD, "ROLE_UNKNOWN"),
        ("bob", Role.CURATOR, "short", "PASSWORD_TOO_SHORT"),
        ("bob", Role.CURATOR, "x" * 2000, "PASSWORD_TOO_LONG"),
    ],
)
def test_add_refuses(name: str, role: Role, password: str, code: str) -> None:
    users = add_user({}, "ada", Role.CURATOR, PASSWORD, HASHER)
    with pytest.raises(StaffError) as caught:
        add_user(users, name, role, password, HASHER)
    assert caught.value.code == code


def test_remove_unknown() -> None:
    with pytest.raises(StaffError) as caught:
        remove_user({}, "ghost")
    assert caught.value.code == "USER_UNKNOWN"


def test_old_parameters_are_rehashed_on_verify() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
    users = add_user({}, "ada", Role.ADMIN, PASSWORD, weak)
    verified = verify_user(users, "ada", PASSWORD, HASHER, DUMMY)
    assert verified is not None and verified.rehashed is not None
    assert not HASHER.check_needs_rehash(verified.rehashed)
    assert HASHER.verify(verified.rehashed, PASSWORD)


def test_file_round_trip_is_private_and_has_no_password(tmp_path: Path) -> None:
    path = tmp_path / "staff" / "users.json"
    assert load_users(path) == {}
    users = update_users(path, lambda u: add_user(u, "ada", Role.PUBLISHER, PASSWORD, HASHER))
    assert load_users(path) == users
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text("utf-8")
    assert PASSWORD not in text
    assert json.loads(text)["users"][0]["role"] == "publisher"
    assert [p.name for p in path.parent.iterdir() if p.suffix == ".tmp"] == []
    save_users(path, remove_user(users, "ada"))
    assert load_users(path) == {}


@pytest.mark.parametrize(
    "content",
    [
        b"not json",
        b"[]",
        b'{"version": 2, "users": []}',
        b'{"version": 1, "users": [{"name": "ada", "role": "root", "hash": "$argon2id$x"}]}',
        b'{"version": 1, "users": [{"name": "ada", "role": "admin", "hash": "plain"}]}',
        b'{"version": 1, "users": [{"name": "ada", "role": "admin"}]}',
    ],
)
def test_a_bad_file_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "users.json"
    path.write_bytes(content)
    with pytest.raises(StaffError) as caught:
        load_users(path)
    assert caught.value.code == "USERS_FILE_INVALID"


@given(st.binary(max_size=400))
def test_any_bytes_read_as_accounts_or_a_documented_refusal(content: bytes) -> None:
    path = Path(tempfile.mkdtemp()) / "users.json"
    path.write_bytes(content)
    try:
        users = load_users(path)
    except StaffError as exc:
        assert exc.code == "USERS_FILE_INVALID"
    else:
        assert all(user.hash.startswith("$argon2") for user in users.values())
    finally:
        shutil.rmtree(path.parent)


def _adding(name: str) -> Callable[[dict[str, StaffUser]], dict[str, StaffUser]]:
    return lambda users: add_user(users, name, Role.VENUE, PASSWORD, HASHER)


def test_changes_at_once_are_none_of_them_lost(tmp_path: Path) -> None:
    """The CLI adding while the server rehashes: the lock serializes read-change-save."""
    path = tmp_path / "users.json"
    names = [f"user{n}" for n in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        done = [pool.submit(update_users, path, _adding(name)) for name in names]
        for future in done:
            future.result()
    assert sorted(load_users(path)) == names
