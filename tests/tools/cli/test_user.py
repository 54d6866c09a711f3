"""``museion user add|remove|list`` as an admin uses them, then signing in as the account."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from museion.streaming.staff.users import load_users
from tests.conftest import REPO
from tests.streaming.staff.studio_server import Clock, studio

PASSWORD = "the curator's long password"


def _museion(
    *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "museion.tools.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        env={**os.environ, **(env or {})},
    )


async def test_add_then_sign_in_then_remove(tmp_path: Path) -> None:
    users = tmp_path / "users.json"
    done = _museion(
        "user", "--users", str(users), "add", "ada", "--role", "curator", stdin=PASSWORD + "\n"
    )
    assert done.returncode == 0, done.stderr
    assert PASSWORD not in done.stdout + done.stderr
    assert PASSWORD not in users.read_text("utf-8")
    assert _museion("user", "--users", str(users), "list").stdout == "ada\tcurator\n"

    async with studio(users, Clock(), cookie_secure=False) as app, app.client() as client:
        credentials = {"name": "ada", "password": PASSWORD}
        async with client.post("/studio/login", json=credentials) as r:
            assert r.status == 200
            assert (await r.json())["role"] == "curator"

    done = _museion("user", "--users", str(users), "remove", "ada")
    assert done.returncode == 0, done.stderr
    assert load_users(users) == {}


def test_password_file_and_the_settings_file(tmp_path: Path) -> None:
    users = tmp_path / "staff.json"
    secret = tmp_path / "password.txt"
    secret.write_text("a password from a file\n", "utf-8")
    config = tmp_path / "museion.toml"
    config.write_text(f'[staff]\nusers_file = "{users}"\n', "utf-8")
    done = _museion(
        "user",
        "--config",
        str(config),
        "add",
        "venue1",
        "--role",
        "venue",
        "--password-file",
        str(secret),
    )
    assert done.returncode == 0, done.stderr
    assert load_users(users)["venue1"].role == "venue"
    env = {"MUSEION_STAFF_USERS_FILE": str(users)}
    assert _museion("user", "list", env=env).stdout == "venue1\tvenue\n"


def test_refusals_say_why(tmp_path: Path) -> None:
    users = tmp_path / "users.json"
    args = ("user", "--users", str(users), "add", "ada", "--role", "admin")
    assert _museion(*args, stdin=PASSWORD).returncode == 0
    done = _museion(*args, stdin=PASSWORD)
    assert done.returncode == 1 and "USER_EXISTS" in done.stderr
    done = _museion("user", "--users", str(users), "add", "bob", "--role", "admin", stdin="short")
    assert done.returncode == 1 and "PASSWORD_TOO_SHORT" in done.stderr
    done = _museion("user", "--users", str(users), "remove", "ghost")
    assert done.returncode == 1 and "USER_UNKNOWN" in done.stderr
    done = _museion(
        "user", "--users", str(users), "add", "bob", "--role", "visitor", stdin=PASSWORD
    )
    assert done.returncode == 2  # not an account's role
    done = _museion("user", "list", env={"MUSEION_STAFF_USERS_FILE": ""})
    assert done.returncode == 1 and "no users file" in done.stderr
    assert sorted(load_users(users)) == ["ada"]


def test_the_users_file_may_follow_the_action(tmp_path: Path) -> None:
    """``museion user add NAME --role R --users FILE``, as the README and people write it."""
    users = tmp_path / "staff.json"
    secret = tmp_path / "password.txt"
    secret.write_text("a password from a file\n", "utf-8")
    done = _museion(
        "user", "add", "ada", "--role", "curator", "--password-file", str(secret),
        "--users", str(users),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert _museion("user", "list", "--users", str(users)).stdout == "ada\tcurator\n"
