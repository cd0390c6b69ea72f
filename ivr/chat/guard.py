"""Checks on where a chat request comes from: only the site itself and the allowed pages."""

from __future__ import annotations

from urllib.parse import urlsplit


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
