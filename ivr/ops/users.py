"""Staff accounts: created, re-passworded and disabled by an operator from the command line."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import Engine, insert, select, update

from ivr.ops.auth import ROLES, hash_password
from ivr.ops.models import OpsUser

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,59}$")


class UserError(ValueError):
    """A request the command refuses (the message names what to fix)."""


def create_user(engine: Engine, username: str, password: str, role: str, now: datetime) -> None:
    if not USERNAME.match(username):
        raise UserError(
            "a username is 2-60 lower-case letters, digits, dots, dashes or underscores"
        )
    if role not in ROLES:
        raise UserError(f"the role is one of {', '.join(ROLES)}")
    try:
        hashed = hash_password(password)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    with engine.begin() as conn:
        if conn.scalar(select(OpsUser.id).where(OpsUser.username == username)) is not None:
            raise UserError(f"{username} exists already (use set-password)")
        conn.execute(
            insert(OpsUser).values(
                username=username, password_hash=hashed, role=role, active=True, created_at=now
            )
        )


def set_password(engine: Engine, username: str, password: str, role: str | None = None) -> None:
    """A new password (ends the user's sessions), optionally a new role; re-enables the user."""
    try:
        values: dict[str, object] = {"password_hash": hash_password(password), "active": True}
    except ValueError as exc:
        raise UserError(str(exc)) from None
    if role is not None:
        if role not in ROLES:
            raise UserError(f"the role is one of {', '.join(ROLES)}")
        values["role"] = role
    with engine.begin() as conn:
        if (
            conn.execute(
                update(OpsUser).where(OpsUser.username == username).values(**values)
            ).rowcount
            == 0
        ):
            raise UserError(f"no user {username}")


def disable_user(engine: Engine, username: str) -> None:
    with engine.begin() as conn:
        if (
            conn.execute(
                update(OpsUser).where(OpsUser.username == username).values(active=False)
            ).rowcount
            == 0
        ):
            raise UserError(f"no user {username}")


def list_users(engine: Engine) -> list[tuple[str, str, bool]]:
    with engine.connect() as conn:
        return [
            (row.username, row.role, row.active)
            for row in conn.execute(select(OpsUser).order_by(OpsUser.username))
        ]
