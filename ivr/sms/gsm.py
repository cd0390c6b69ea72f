"""GSM 03.38 (GSM-7) alphabet check and SMS segment count, to keep texts to one segment."""

from __future__ import annotations

BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
EXTENDED = set("^{}\\[~]|€\f")  # each takes two septets (escape + char)


def is_gsm7(text: str) -> bool:
    return all(ch in BASIC or ch in EXTENDED for ch in text)


def septets(text: str) -> int:
    return sum(2 if ch in EXTENDED else 1 for ch in text)


def segments(text: str) -> int:
    """How many SMS segments the text costs: 160/153 septets for GSM-7, 70/67 UCS-2 characters."""
    if is_gsm7(text):
        n = septets(text)
        return 1 if n <= 160 else -(-n // 153)
    n = len(text.encode("utf-16-le")) // 2
    return 1 if n <= 70 else -(-n // 67)
