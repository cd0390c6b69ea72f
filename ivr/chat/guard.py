"""Checks on what reaches Rasa from the web: no bank or card numbers, only allowed pages."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from stdnum import luhn
from stdnum.us import rtn

_DIGIT_RUN = re.compile(r"\d{9,}")
# Card numbers as printed: 4-4-4-4 (up to 4-4-4-4-3) or American Express 4-6-5.
_GROUPED_CARD = re.compile(r"\b\d{4}(?:[ -]\d{4}){2}[ -]\d{1,7}\b|\b\d{4}[ -]\d{6}[ -]\d{5}\b")


def looks_like_bank_or_card_number(text: str) -> bool:
    """True for an ABA routing number, a card number, or a digit run longer than any of ours.

    Rasa's tracker store keeps every message in plain text, so these must never be forwarded.
    Ours are shorter: account numbers have 10 digits, phone numbers 10 or 11, ZIP+4 is 9 but
    written with a dash, and a 9-digit routing number also has to pass its checksum. A card
    typed in groups is caught by its grouping and Luhn check digit.
    """
    for match in _DIGIT_RUN.finditer(text):
        digits = match.group()
        if len(digits) >= 12 or (len(digits) == 9 and rtn.is_valid(digits)):
            return True
        if 13 <= len(digits) <= 19 and luhn.is_valid(digits):
            return True
    for match in _GROUPED_CARD.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if 13 <= len(digits) <= 19 and luhn.is_valid(digits):
            return True
    return False


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
