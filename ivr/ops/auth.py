"""Staff sign-in: argon2id password hashes, flask-login sessions, roles, timeouts, a login record.

Accounts are created from the command line only (`python -m ivr.ops create-user`). The session
cookie is the console's own (path /ops, HttpOnly, SameSite=Strict; Secure outside development
mode), signed with OPS_SECRET_KEY, or when that is unset with a key derived from OPS_TOKEN. It
ends after OPS_IDLE_MINUTES without a request (15) and OPS_SESSION_HOURS in any case (8).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, abort, redirect, request, session, url_for
from flask_login import LoginManager, UserMixin, current_user, logout_user
from sqlalchemy import Engine, func, insert, select

from ivr.ops.models import OpsLogin, OpsUser
from ivr.ops.settings import OpsSettings

ROLES = ("viewer", "analyst")
HASHER = PasswordHasher()  # argon2id, the library's current recommended parameters
LOCK_AFTER_FAILURES = 5  # failed logins for one username within LOCK_WINDOW
LOCK_WINDOW = timedelta(minutes=15)
# Verified against when the username is unknown, so both answers take as long.
_DUMMY_HASH = HASHER.hash("not a password of anyone")


@dataclass(frozen=True)
class StaffUser(UserMixin):
    id: int
    username: str
    role: str
    stamp: str  # part of the password hash: a new password ends the old sessions

    def get_id(self) -> str:
        return f"{self.id}:{self.stamp}"

    @property
    def is_analyst(self) -> bool:
        return self.role == "analyst"


def hash_password(password: str) -> str:
    if len(password) < 12:
        raise ValueError("a password has at least 12 characters")
    return HASHER.hash(password)


def _stamp(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def _staff(row: Any) -> StaffUser:
    return StaffUser(row.id, row.username, row.role, _stamp(row.password_hash))


def load_user(engine: Engine, user_id: str) -> StaffUser | None:
    number, _, stamp = user_id.partition(":")
    if not number.isdigit():
        return None
    with engine.connect() as conn:
        row = conn.execute(select(OpsUser).where(OpsUser.id == int(number), OpsUser.active)).first()
    if row is None or not hmac.compare_digest(_stamp(row.password_hash), stamp):
        return None
    return _staff(row)


def authenticate(
    engine: Engine, username: str, password: str, client: str, now: datetime
) -> StaffUser | None:
    """The user, or None; every attempt is recorded, and a username is locked after 5 failures."""
    username = username.strip()[:60]
    with engine.begin() as conn:
        failures = conn.scalar(
            select(func.count())
            .select_from(OpsLogin)
            .where(
                OpsLogin.username == username, ~OpsLogin.succeeded, OpsLogin.at >= now - LOCK_WINDOW
            )
        )
        row = conn.execute(
            select(OpsUser).where(OpsUser.username == username, OpsUser.active)
        ).first()
        ok = False
        if failures < LOCK_AFTER_FAILURES:
            try:
                ok = (
                    HASHER.verify(row.password_hash if row else _DUMMY_HASH, password)
                    and row is not None
                )
            except (VerificationError, InvalidHashError):
                ok = False
        conn.execute(
            insert(OpsLogin).values(
                username=username,
                user_id=row.id if row else None,
                succeeded=ok,
                client=client[:45],
                at=now,
            )
        )
    return _staff(row) if ok and row is not None else None


class _ConsoleLoginManager(LoginManager):
    def _update_remember_cookie(self, response: Any) -> Any:
        # The console never remembers a login past its session; not touching the session here
        # keeps every other blueprint's responses free of the console's cookie (and Vary: Cookie).
        return response


def session_key(settings: OpsSettings, ops_token: str) -> bytes:
    if settings.secret_key:
        return settings.secret_key.encode()
    # A key of its own for the console's cookie, derived from the operators' token (HMAC).
    return hmac.new(ops_token.encode(), b"ivr.ops.session", hashlib.sha256).digest()


def init_app(app: Flask, engine_of: Callable[[], Engine], settings: OpsSettings) -> None:
    config = app.config
    if not app.secret_key:
        app.secret_key = session_key(settings, config["OPS_TOKEN"])
    config["SESSION_COOKIE_NAME"] = "hc_ops"
    config["SESSION_COOKIE_PATH"] = "/ops"
    config["SESSION_COOKIE_HTTPONLY"] = True
    config["SESSION_COOKIE_SAMESITE"] = "Strict"
    config["SESSION_COOKIE_SECURE"] = settings.cookie_secure
    manager = _ConsoleLoginManager()
    manager.session_protection = "strong"
    manager.login_view = "ops.login"
    manager.login_message = "Please sign in to see the console."
    manager.user_loader(lambda user_id: load_user(engine_of(), user_id))
    manager.init_app(app, add_context_processor=False)


def start_session(user: StaffUser) -> None:
    now = time.time()
    session["ops_started"] = now
    session["ops_seen"] = now


def session_expired(settings: OpsSettings) -> bool:
    """Past the idle or the absolute limit (and slide the idle clock when not)."""
    now = time.time()
    started, seen = session.get("ops_started"), session.get("ops_seen")
    if not isinstance(started, int | float) or not isinstance(seen, int | float):
        return True
    if now - seen > settings.idle_minutes * 60 or now - started > settings.session_hours * 3600:
        return True
    session["ops_seen"] = now
    return False


def end_session() -> None:
    logout_user()
    session.clear()


def role_required(role: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Signed in (else to the login page), and an analyst where the role says so (else 403)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return redirect(url_for("ops.login", next=request.full_path.rstrip("?")))
            if role == "analyst" and not current_user.is_analyst:
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorate
