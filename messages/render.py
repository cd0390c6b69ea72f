"""Renders the assistant's message ids into text for one channel and locale, from the gettext catalogs.

Params follow a naming convention: `*amount` is money, `*_date` an ISO date, `*_at` an ISO datetime
(said in Eastern time), `last4`, `account_last4`, `confirmation_number` and `*_digits` are digits,
`*bank_kind` (checking | savings), `*coverage_line`, `*payment_channel` and `*return_reason` are
said in the caller's language (messages `<kind>.<value>`).
"""

from __future__ import annotations

import importlib
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from babel.dates import format_date, format_time
from babel.numbers import format_currency, format_decimal
from babel.support import NullTranslations, Translations

from billing_core.billing_calendar import EASTERN

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DOMAINS = ("common", "dialogue", "faq", "voice", "sms", "web", "repair", "handoff", "self_service")
SUPPORTED_LOCALES = ("en", "es")
BABEL_LOCALE = {"en": "en_US", "es": "es_US"}
DIGIT_KEYS = {"last4", "account_last4", "confirmation_number"}
# Params whose raw value names a word said in the caller's language: message `<key>.<value>`.
WORD_KEYS = ("bank_kind", "coverage_line", "payment_channel", "return_reason")


class UnknownMessage(KeyError):
    pass


@cache
def catalog() -> dict[str, tuple[str, str]]:
    """Every message id -> (gettext domain, English text)."""
    merged: dict[str, tuple[str, str]] = {}
    for domain in DOMAINS:
        module = importlib.import_module(f"messages.texts.{domain}")
        for key, text in module.MESSAGES.items():
            if key in merged:
                raise ValueError(f"message id {key!r} defined twice")
            merged[key] = (domain, text)
    return merged


@cache
def translations(locale: str, domain: str) -> NullTranslations:
    if locale == "en":
        return NullTranslations()
    return Translations.load(str(LOCALES_DIR), [locale], domain=domain)


def normalize_locale(locale: str | None) -> str:
    lang = (locale or "en").split("-")[0].split("_")[0].lower()
    return lang if lang in SUPPORTED_LOCALES else "en"


def template(msg: str, *, locale: str, channel: str) -> str:
    entries = catalog()
    key = f"{msg}@{channel}" if f"{msg}@{channel}" in entries else msg
    if key not in entries:
        raise UnknownMessage(msg)
    domain, english = entries[key]
    return translations(normalize_locale(locale), domain).gettext(english)


def format_money(value: object, *, locale: str, channel: str) -> str:
    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    loc = normalize_locale(locale)
    if channel != "voice":
        return format_currency(amount, "USD", locale=BABEL_LOCALE[loc])
    dollars, cents = int(amount), int((amount % 1) * 100)
    # Singular and zero forms are separate messages so each language words them its own way.
    if dollars == 0 and cents:
        key = "money_spoken_cents_only_one" if cents == 1 else "money_spoken_cents_only"
    elif cents == 0:
        key = "money_spoken_whole_one" if dollars == 1 else "money_spoken_whole"
    elif dollars == 1:
        key = "money_spoken_one_dollar_one_cent" if cents == 1 else "money_spoken_one_dollar"
    else:
        key = "money_spoken_one_cent" if cents == 1 else "money_spoken"
    words = format_decimal(dollars, locale=BABEL_LOCALE[loc])
    return template(key, locale=loc, channel=channel).format(dollars=words, cents=cents)


def format_param(key: str, value: object, *, locale: str, channel: str) -> str:
    if value is None:
        return ""
    loc = BABEL_LOCALE[normalize_locale(locale)]
    if key.endswith("amount"):
        return format_money(value, locale=locale, channel=channel)
    if key.endswith("_date"):
        d = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
        return format_date(d, "long", locale=loc)
    if key.endswith("_at"):
        dt = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        local = dt.astimezone(EASTERN)
        return template("datetime_at", locale=locale, channel=channel).format(
            date=format_date(local.date(), "long", locale=loc),
            time=format_time(local.time(), "short", locale=loc),
        )
    for word in WORD_KEYS:
        if key.endswith(word) and f"{word}.{value}" in catalog():
            return template(f"{word}.{value}", locale=locale, channel=channel)
    if key in DIGIT_KEYS or key.endswith("_digits"):
        digits = str(value)
        return " ".join(digits) if channel == "voice" else digits
    return str(value)


def render(msg: str, params: dict[str, object] | None = None, *, locale: str, channel: str) -> str:
    """The finished sentence for a message id, in the locale's language, worded for the channel."""
    text = template(msg, locale=locale, channel=channel)
    values = {
        k: format_param(k, v, locale=locale, channel=channel) for k, v in (params or {}).items()
    }
    return text.format(**values)
