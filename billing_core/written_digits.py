"""Digits as people write them: any Unicode digit, separated by spaces, dots, dashes or commas.

One reading for the gateway's bank-number filters (ivr/untrusted.py) and the actions' check for
another account number (actions/identity.py): "1000000.004", "10000 00004" and full-width digits
are all the same ten digits.
"""

from __future__ import annotations

import re
import unicodedata

# Digits with up to three separators between them: "1000000.004", "10000 00004", "4111-1111 …".
DIGIT_GROUP = re.compile(r"\d(?:[\s.\-_,·'’]{0,3}\d)*")


def plain(text: str | None) -> str:
    """NFKC form, every Unicode decimal digit as ASCII, no invisible format characters."""
    out = []
    for ch in unicodedata.normalize("NFKC", text or ""):
        digit = unicodedata.decimal(ch, None)
        if digit is not None:
            out.append(str(digit))
        elif unicodedata.category(ch) != "Cf":  # zero-width spaces, direction marks
            out.append(ch)
    return "".join(out)


def digit_groups_as_written(text: str | None) -> list[str]:
    """Each run of digits with its separators, as written (after `plain`)."""
    return [m.group() for m in DIGIT_GROUP.finditer(plain(text))]


def digits_only(group: str) -> str:
    return re.sub(r"\D", "", group)


def digit_groups(text: str | None) -> list[str]:
    """Each run of digits, separators dropped."""
    return [digits_only(group) for group in digit_groups_as_written(text)]
