"""Turns what members say or type (speech-recognizer text, SMS, keypad payloads) into values.

Number words go through text2num (English and Spanish) and dates through dateparser; the few
keyword lists here only recognise "the whole balance" and "a new account" style answers.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from text_to_num import alpha2digit

from billing_core.sql import from_cents

_LANG = {"en": "en", "es": "es"}
# Speech recognisers write the digit 0 as "oh" (English) and spell "o" (Spanish) inside numbers.
_ZERO_WORDS = re.compile(r"\b(oh|o|zero|cero)\b", re.IGNORECASE)
_FILLERS = re.compile(r"\b(um+|uh+|eh+|er+|hmm+|like|este|pues|o sea)\b", re.IGNORECASE)

FULL_BALANCE_WORDS = (
    "full",
    "whole",
    "all of it",
    "everything",
    "entire",
    "total",
    "amount due",
    "balance",
    "todo",
    "completo",
    "total",
    "saldo",
    "entero",
)
NEW_ACCOUNT_WORDS = ("new", "different", "another", "other", "nueva", "otra", "diferente")


def _lang(locale: str | None) -> str:
    return _LANG.get((locale or "en")[:2].lower(), "en")


def words_to_digits(text: str, locale: str | None = "en") -> str:
    """Number words become digits: "one zero zero" -> "1 0 0", "ciento cincuenta" -> "150"."""
    cleaned = _FILLERS.sub(" ", text.lower())
    cleaned = _ZERO_WORDS.sub(" 0 ", cleaned)
    return alpha2digit(cleaned, _lang(locale), threshold=0)


def digit_string(text: str | None, locale: str | None = "en") -> str:
    """All digits said or typed, in order, ignoring words and separators (account numbers, ZIPs)."""
    if not text:
        return ""
    return "".join(ch for ch in words_to_digits(str(text), locale) if ch.isdigit())


def parse_account_number(text: str | None, locale: str | None = "en") -> str | None:
    digits = digit_string(text, locale)
    return digits if len(digits) == 10 else None


def parse_zip_code(text: str | None, locale: str | None = "en") -> str | None:
    digits = digit_string(text, locale)
    if len(digits) == 9:  # ZIP+4
        digits = digits[:5]
    return digits if len(digits) == 5 else None


def parse_date_of_birth(text: str | None, locale: str | None = "en") -> date | None:
    """A past date from "april twelfth nineteen eighty five", "12 de abril de 1985", "4/12/1985"."""
    if not text:
        return None
    import dateparser  # imported lazily: it loads its language data on first use

    value = str(text).strip()
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    spoken = words_to_digits(value, locale)
    # "nineteen eighty five" comes out as "19 85": join a split spoken year.
    spoken = re.sub(r"\b(19|20) (\d{2})\b", r"\1\2", spoken)
    # Keypad entry MMDDYYYY.
    digits = "".join(ch for ch in spoken if ch.isdigit())
    if re.fullmatch(r"\d{8}", spoken.strip()):
        spoken = f"{digits[:2]}/{digits[2:4]}/{digits[4:]}"
    languages = ["es", "en"] if _lang(locale) == "es" else ["en", "es"]
    settings = {"PREFER_DATES_FROM": "past", "REQUIRE_PARTS": ["day", "month", "year"]}
    if _lang(locale) == "es":
        settings["DATE_ORDER"] = "DMY"
    parsed = dateparser.parse(spoken, languages=languages, settings=settings)
    if parsed is None or parsed.date() >= date.today() or parsed.year < 1900:
        return None
    return parsed.date()


def mentions_any(text: str | None, words: tuple[str, ...]) -> bool:
    lowered = f" {(text or '').lower()} "
    return any(re.search(rf"\b{re.escape(w)}\b", lowered) for w in words)


def parse_amount(text: str | None, locale: str | None = "en") -> Decimal | None:
    """A money amount from "$198.50", "198,50", "two hundred dollars", "one ninety eight fifty",
    "ciento cincuenta dólares con cincuenta centavos". None when no amount is recognisable."""
    if text is None:
        return None
    raw = str(text).strip()
    if re.fullmatch(r"\$?\d+,\d{1,2}", raw):  # Spanish decimal comma: "198,50"
        raw = raw.replace(",", ".")
    try:
        plain = Decimal(raw.replace("$", "").replace(",", ""))
        return plain.quantize(Decimal("0.01")) if plain.is_finite() else None
    except InvalidOperation:
        pass
    spoken = words_to_digits(raw, locale).replace("$", " ").replace("1/100", "centavos")
    # Typed decimals: "198.50", "198,50" (Spanish comma), "1,234.00".
    typed = re.search(r"\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+[.,]\d{1,2}\b|\d+", spoken)
    numbers = [int(n) for n in re.findall(r"\d+", spoken)]
    if not numbers:
        return None
    cents_words = re.search(r"(\d+)\s*(cents?|centavos?)", spoken)
    dollars_words = re.search(r"(\d+)\s*(dollars?|bucks|dólares|dolares|pesos)", spoken)
    if dollars_words:
        value = Decimal(dollars_words.group(1))
        if cents_words and cents_words.start() > dollars_words.start():
            value += from_cents(int(cents_words.group(1)))
        return value.quantize(Decimal("0.01"))
    if typed and typed.group(0) == spoken.strip():
        token = typed.group(0)
        if re.fullmatch(r"\d+,\d{1,2}", token):
            token = token.replace(",", ".")
        return Decimal(token.replace(",", "")).quantize(Decimal("0.01"))
    # Colloquial "one ninety eight" / "one ninety eight fifty": hundreds then dollars then cents.
    if len(numbers) in (2, 3) and numbers[0] < 10 and 10 <= numbers[1] < 100:
        value = Decimal(numbers[0] * 100 + numbers[1])
        if len(numbers) == 3 and numbers[2] < 100:
            value += from_cents(numbers[2])
        return value.quantize(Decimal("0.01"))
    if len(numbers) == 1:
        return Decimal(numbers[0]).quantize(Decimal("0.01"))
    if typed:
        token = typed.group(0)
        if re.fullmatch(r"\d+,\d{1,2}", token):
            token = token.replace(",", ".")
        return Decimal(token.replace(",", "")).quantize(Decimal("0.01"))
    return None


def parse_draft_day(text: str | None, locale: str | None = "en") -> int | None:
    """A day of the month from "21", "the twenty first", "21st", "el veintiuno"."""
    if text is None:
        return None
    numbers = re.findall(r"\d+", words_to_digits(str(text), locale))
    if not numbers:  # members switch languages mid-call
        other = "en" if _lang(locale) == "es" else "es"
        numbers = re.findall(r"\d+", words_to_digits(str(text), other))
    if len(numbers) != 1:
        return None
    return int(numbers[0])
