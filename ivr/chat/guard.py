"""What a chat request must pass before it reaches Rasa: CSRF (a custom header and an allowed
origin), CORS for the sites that embed the widget, and rate limits per address and per session."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, g, jsonify, request
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address

from ivr.chat.settings import ChatSettings

# The widget asks for exactly this header; an HTML form cannot send it and a cross-origin script
# cannot either without passing the CORS preflight, which only configured origins do.
CSRF_HEADER = "X-HC-Chat"


# ---------------------------------------------------------------- where a request comes from


def origin_of(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def request_origin_allowed(
    origin: str | None, referer: str | None, own_origin: str, allowed: tuple[str, ...]
) -> bool:
    """Browsers send Origin on every cross-origin POST; without it fall back to the Referer.

    Neither header means a non-browser client, which cannot carry a victim's cookie (CSRF needs a
    browser), so it is let through; the custom header required as well rules out HTML forms.
    """
    source = origin_of(origin) if origin and origin != "null" else None
    if origin == "null":
        return False  # sandboxed iframes and file: pages
    if source is None:
        source = origin_of(referer)
    if source is None:
        return True
    return source == own_origin or source in allowed


def csrf_ok(allowed: tuple[str, ...]) -> bool:
    """The request carries the widget's header, is JSON, and comes from us or an allowed site."""
    if request.headers.get(CSRF_HEADER) != "1" or not request.is_json:
        return False
    own_origin = request.host_url.rstrip("/").lower()
    return request_origin_allowed(
        request.headers.get("Origin"), request.headers.get("Referer"), own_origin, allowed
    )


# ---------------------------------------------------------------- rate limits


def new_limiter(app: Flask, settings: ChatSettings) -> Limiter:
    """The chat's own limiter (moving window, keyed by client address unless told otherwise)."""
    limiter = Limiter(
        key_func=get_remote_address,
        storage_uri=settings.ratelimit_storage_uri,
        strategy="moving-window",
        key_prefix="chat",
        headers_enabled=True,
    )
    limiter.init_app(app)
    return limiter


def limit_address(limiter: Limiter, settings: ChatSettings) -> None:
    """Count this request against its address; RateLimitExceeded when over."""
    with limiter.shared_limit(settings.limit_per_ip, scope="chat-ip"):
        pass


def limit_session(limiter: Limiter, settings: ChatSettings, session_id: str) -> None:
    """Count this request against its chat session; RateLimitExceeded when over."""
    g.chat_session_id = session_id
    with limiter.limit(settings.limit_per_session, key_func=_session_key):
        pass


def _session_key() -> str:
    return f"session:{g.chat_session_id}"


def rate_limited(exc: RateLimitExceeded, messages: list[dict[str, Any]]) -> Response:
    """429 with the widget's notice and when to try again."""
    response = jsonify(error="rate_limited", messages=messages)
    response.status_code = 429
    response.headers["Retry-After"] = str(
        max(1, int(exc.limit.limit.get_expiry())) if exc.limit else 60
    )
    return response


# ---------------------------------------------------------------- CORS


def _request_origin() -> str:
    return (request.headers.get("Origin") or "").rstrip("/").lower()


def preflight(allowed: tuple[str, ...]) -> Response:
    if _request_origin() not in allowed:
        return Response(status=403)
    response = Response(status=204)
    response.headers["Access-Control-Allow-Methods"] = "GET, POST"
    response.headers["Access-Control-Allow-Headers"] = f"Content-Type, {CSRF_HEADER}"
    response.headers["Access-Control-Max-Age"] = "600"
    return response


def api_headers(response: Response, allowed: tuple[str, ...]) -> Response:
    """No caching or sniffing of API answers; CORS headers for an allowed embedding site."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.vary.add("Origin")
    origin = _request_origin()
    if origin and origin in allowed:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Credentials"] = "true"
        response.headers["Access-Control-Expose-Headers"] = "Retry-After"
    return response
