"""What a person typed or said, made safe for Rasa: never a command, never a bank or card number.

Rasa reads a message that starts with `/` as an intent with entities (`/inform{"slot": …}`), so
typed or spoken text that looks like one loses its slash here: only the gateway builds structured
messages (keypad answers, menu keys, buttons). Rasa's tracker keeps every message in plain text,
so digits are read the way a person may write them to get past a filter (separators, spaces,
full-width or other Unicode digits) before the bank/card checks.
"""

from __future__ import annotations

from stdnum import luhn
from stdnum.us import rtn

from billing_core.written_digits import digit_groups, digit_groups_as_written, digits_only, plain

_SLASHES = "/\u2044\u2215\u29f8"  # "/" and the look-alikes NFKC does not fold


def as_text(text: str | None) -> str:
    """A person's words for Rasa's NLU: whatever they wrote, never read as a command."""
    cleaned = plain(text).strip()
    while cleaned[:1] in _SLASHES and cleaned:
        cleaned = cleaned[1:].lstrip()
    return cleaned


def holds_bank_or_card_number(text: str | None) -> bool:
    """An ABA routing number, a card number, or a digit run longer than any number of ours.

    Ours are shorter: account numbers have 10 digits, phone numbers 10 or 11, a ZIP+4 9 (and a
    9-digit routing number must also pass its checksum). A checksum is evidence enough across any
    separators; length alone counts across spaces only when the pieces are short, as in a number
    typed in blocks ("1234 5678 9012"), not for an account number and a ZIP code side by side."""
    for group in digit_groups_as_written(text):
        digits = digits_only(group)
        if len(digits) == 9 and rtn.is_valid(digits):
            return True
        if 13 <= len(digits) <= 19 and luhn.is_valid(digits):
            return True
        pieces = [digits_only(piece) for piece in group.split()]
        if any(len(piece) >= 12 for piece in pieces):
            return True
        if len(digits) >= 12 and all(len(piece) <= 4 for piece in pieces):
            return True
    return False


def holds_long_number(text: str | None, at_least: int = 8) -> bool:
    """Any run of `at_least` digits, however written or spaced (texts never need one)."""
    return any(len(digits) >= at_least for digits in digit_groups(text))
