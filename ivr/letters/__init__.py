"""Notices by letter: the wording from the catalogs for billing_core.backoffice.letters."""

from __future__ import annotations

from datetime import date

from billing_core.backoffice.letters import LetterText
from ivr.sms.notice_texts import TEXTS, message_id
from messages.render import normalize_locale, render


def render_letter(
    kind: str, params: dict, language: str, member_name: str, account_number: str, on: date
) -> LetterText:
    """The notice's own message, worded for a letter (`<message id>@letter`), in its language."""
    values = TEXTS[kind].params(params)
    values.update(letter_date=on, member_name=member_name, account_digits=account_number)
    body = render(message_id(kind), values, locale=normalize_locale(language), channel="letter")
    return LetterText(body)
