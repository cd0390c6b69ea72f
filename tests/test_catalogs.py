"""Every caller-facing message has one English source and a complete Spanish translation."""

import string
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from messages.render import LOCALES_DIR, catalog, format_money, format_param, render

FORMATTER = string.Formatter()


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in FORMATTER.parse(text) if field}


def spanish(domain: str) -> dict[str, object]:
    path = Path(LOCALES_DIR) / "es" / "LC_MESSAGES" / f"{domain}.po"
    assert path.exists(), f"missing Spanish catalog {path}"
    with path.open("rb") as f:
        return {m.id: m for m in read_po(f) if m.id}


MESSAGES = sorted(catalog().items())


@pytest.mark.parametrize(("key", "entry"), MESSAGES, ids=[k for k, _ in MESSAGES])
def test_message_has_a_spanish_translation_with_the_same_placeholders(key, entry):
    domain, english = entry
    translated = spanish(domain).get(english)
    assert translated is not None, f"{key}: not in {domain}.po (run make extract-messages)"
    assert translated.string, f"{key}: Spanish translation is empty"
    assert not translated.fuzzy, f"{key}: Spanish translation is marked fuzzy"
    assert placeholders(translated.string) == placeholders(english), key


def test_the_catalog_is_not_empty():
    assert len(MESSAGES) > 3


def test_amounts_are_spoken_in_words_on_the_phone_and_written_with_symbols_in_text():
    assert (
        render("money_spoken", {"dollars": "198", "cents": "50"}, locale="es", channel="voice")
        == "198 dólares con 50 centavos"
    )
    assert format_money(Decimal("198.50"), locale="en", channel="voice") == (
        "198 dollars and 50 cents"
    )
    assert format_money(Decimal("1200.00"), locale="en", channel="voice") == "1,200 dollars"
    assert format_money(Decimal("198.5"), locale="en", channel="sms") == "$198.50"


def test_dates_and_digits_follow_the_locale_and_channel():
    assert format_param("due_date", "2027-03-23", locale="es", channel="sms") == (
        "23 de marzo de 2027"
    )
    assert format_param("last4", "6789", locale="en", channel="voice") == "6 7 8 9"
    assert format_param("due_at", "2026-11-23T22:00:00+00:00", locale="en", channel="web") == (
        "November 23, 2026 at 5:00\u202fPM"
    )


def test_the_kind_of_bank_account_is_said_in_the_callers_language():
    assert format_param("bank_kind", "checking", locale="es", channel="voice") != "checking"
    assert format_param("bank_kind", "savings", locale="en", channel="voice") == "savings"


@pytest.mark.parametrize(
    ("amount", "english", "spanish"),
    [
        ("1.00", "1 dollar", "1 dólar"),
        ("1.01", "1 dollar and 1 cent", "1 dólar con 1 centavo"),
        ("1.50", "1 dollar and 50 cents", "1 dólar con 50 centavos"),
        ("2.01", "2 dollars and 1 cent", "2 dólares con 1 centavo"),
        ("0.99", "99 cents", "99 centavos"),
        ("0.01", "1 cent", "1 centavo"),
    ],
)
def test_singular_dollars_and_cents_are_said_correctly(amount, english, spanish):
    assert format_money(Decimal(amount), locale="en", channel="voice") == english
    assert format_money(Decimal(amount), locale="es", channel="voice") == spanish
