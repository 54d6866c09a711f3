"""``museion user add|remove|list``: staff accounts in the users file (a thin shell).

A password is read from ``--password-file`` or standard input (asked twice, unechoed, on
a terminal): never from the command line, where ``ps`` and shell history would keep it.
The file is ``--users FILE``, else ``[staff] users_file`` of ``--config``, else
``MUSEION_STAFF_USERS_FILE``.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from argon2 import PasswordHasher

from museion.streaming.staff.roles import STAFF_ROLES, parse_role
from museion.streaming.staff.settings import StaffSettings
from museion.streaming.staff.users import add_user, load_users, remove_user, update_users
from museion.tools.config import build_settings, read_config_file
from museion.tools.errors import ConfigError

__all__ = ["HELP", "add_arguments", "run"]

HELP = "add, remove and list staff accounts (the studio's sign-in)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The actions of ``user`` (add, remove, list) and where the users file is."""
    parser.add_argument("--users", type=Path, help="the staff users file (JSON)")
    parser.add_argument(
        "--config",
        type=Path,
        default=os.environ.get("MUSEION_CONFIG"),
        help="TOML file whose [staff] users_file names the users file",
    )
    actions = parser.add_subparsers(dest="user_verb", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="add an account; the password comes from stdin")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=[str(r) for r in STAFF_ROLES])
    add.add_argument(
        "--password-file", type=Path, help="read the password from this file's first line"
    )
    remove = actions.add_parser("remove", help="remove an account")
    remove.add_argument("name")
    listing = actions.add_parser("list", help="list the accounts: name and role")
    for action in (add, remove, listing):  # before or after the action, as people type it
        action.add_argument(
            "--users", type=Path, default=argparse.SUPPRESS, help="the staff users file (JSON)"
        )


def _users_file(args: argparse.Namespace) -> Path:
    if args.users is not None:
        return Path(args.users)
    settings = build_settings(StaffSettings, section="staff", file=read_config_file(args.config))
    if settings.users_file is None:
        raise ConfigError(
            "no users file: give --users FILE, [staff] users_file, or MUSEION_STAFF_USERS_FILE"
        )
    return Path(settings.users_file)


def _password(args: argparse.Namespace) -> str:
    if args.password_file is not None:
        try:
            text = Path(args.password_file).read_text("utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read {args.password_file}: {exc.strerror}") from exc
        return text.splitlines()[0] if text else ""
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != first:
            raise ConfigError("the two passwords differ")
        return first
    line = sys.stdin.readline()
    return line.removesuffix("\n").removesuffix("\r")


def run(args: argparse.Namespace) -> int:
    path = _users_file(args)
    if args.user_verb == "list":
        for user in sorted(load_users(path).values(), key=lambda u: u.name):
            sys.stdout.write(f"{user.name}\t{user.role}\n")
        return 0
    if args.user_verb == "remove":
        update_users(path, lambda users: remove_user(users, args.name))
        sys.stdout.write(f"removed {args.name}\n")
        return 0
    role = parse_role(args.role)
    assert role is not None  # argparse's choices
    password = _password(args)
    hasher = PasswordHasher()
    update_users(path, lambda users: add_user(users, args.name, role, password, hasher))
    sys.stdout.write(f"added {args.name} ({role})\n")
    return 0
