"""Operator command line:

python -m ivr.ops create-user NAME --role viewer|analyst [--password-stdin]
python -m ivr.ops set-password NAME [--role viewer|analyst] [--password-stdin]
python -m ivr.ops disable-user NAME
python -m ivr.ops list-users
    staff accounts of the console (/ops); the password is asked twice, or read from one line of
    standard input with --password-stdin (for a secret store), and stored only as an argon2 hash
python -m ivr.ops rollup [--days 3]
    store the console's daily figures of the last N closed days (cron: after midnight Eastern)
"""

from __future__ import annotations

import argparse
import getpass
import sys

from billing_core.billing_calendar import utcnow
from billing_core.db import make_engine
from billing_core.settings import Settings
from ivr.ops import users
from ivr.ops.auth import ROLES
from ivr.ops.rollup import roll_up_recent


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password (12 characters or more): ")
    if getpass.getpass("Again: ") != first:
        raise users.UserError("the two passwords differ")
    return first


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ivr.ops",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    create = sub.add_parser("create-user", help="create a staff account")
    create.add_argument("username")
    create.add_argument("--role", choices=ROLES, required=True)
    create.add_argument("--password-stdin", action="store_true")
    change = sub.add_parser("set-password", help="a new password (and role); re-enables the user")
    change.add_argument("username")
    change.add_argument("--role", choices=ROLES)
    change.add_argument("--password-stdin", action="store_true")
    disable = sub.add_parser("disable-user", help="the user can no longer sign in")
    disable.add_argument("username")
    sub.add_parser("list-users", help="usernames, roles and whether they may sign in")
    rollup = sub.add_parser("rollup", help="store the daily figures of the last closed days")
    rollup.add_argument("--days", type=int, default=3)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    engine = make_engine(Settings.from_env().database_url)  # no bank data: no key needed
    try:
        if args.command == "create-user":
            users.create_user(
                engine, args.username, _password(args.password_stdin), args.role, utcnow()
            )
            print(f"created {args.username} ({args.role})")
        elif args.command == "set-password":
            users.set_password(engine, args.username, _password(args.password_stdin), args.role)
            print(f"new password for {args.username}")
        elif args.command == "disable-user":
            users.disable_user(engine, args.username)
            print(f"disabled {args.username}")
        elif args.command == "list-users":
            for name, role, active in users.list_users(engine):
                print(f"{name}\t{role}\t{'active' if active else 'disabled'}")
        elif args.command == "rollup":
            if not 1 <= args.days <= 400:
                raise users.UserError("--days is between 1 and 400")
            days = roll_up_recent(engine, utcnow(), args.days)
            print(f"rolled up {len(days)} days: {days[0]} to {days[-1]}")
    except users.UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    return 0
