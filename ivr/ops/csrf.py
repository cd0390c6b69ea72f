"""CSRF protection for the console's forms: a random token per session, checked on every POST.

The token lives in the signed session cookie (path /ops, SameSite=Strict) and in a hidden field of
each form; a POST without the matching field, or from another origin, is refused with 400.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from flask import abort, request, session

FIELD = "csrf_token"
SESSION_KEY = "ops_csrf"


def csrf_token() -> str:
    token = session.get(SESSION_KEY)
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        session[SESSION_KEY] = token
    return token


def _same_origin() -> bool:
    origin = request.headers.get("Origin") or request.headers.get("Referer")
    if not origin or origin == "null":
        return origin is None  # a browser sends Origin on POST; "null" is a sandboxed document
    parts = urlsplit(origin)
    return f"{parts.scheme}://{parts.netloc}" == request.host_url.rstrip("/")


def check_csrf() -> None:
    """Abort with 400 unless this POST carries the session's token and comes from this site."""
    if request.method != "POST":
        return
    expected = session.get(SESSION_KEY)
    given = request.form.get(FIELD, "")
    if (
        not isinstance(expected, str)
        or not given
        or not hmac.compare_digest(given.encode(), expected.encode())
        or not _same_origin()
    ):
        abort(
            400,
            description="The form expired or did not come from this site. Reload and try again.",
        )
