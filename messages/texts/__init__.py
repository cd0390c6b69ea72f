"""Caller-facing message texts (English msgids); translations live in messages/locales."""


def N_(text: str) -> str:
    """Mark a message for pybabel extraction."""
    return text
