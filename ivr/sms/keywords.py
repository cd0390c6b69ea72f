"""Inbound keyword classification: opt-out, opt-in, help, and the shortcuts that go to Rasa."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Twilio's standard opt-out keywords plus the Spanish ones the Health Connector adds.
OPT_OUT = {
    "STOP": "en",
    "STOPALL": "en",
    "UNSUBSCRIBE": "en",
    "CANCEL": "en",
    "END": "en",
    "QUIT": "en",
    "REVOKE": "en",
    "OPTOUT": "en",
    "ALTO": "es",
    "PARAR": "es",
}
OPT_IN = {"START": "en", "UNSTOP": "en", "YES": "en"}
HELP = {"HELP": "en", "INFO": "en", "AYUDA": "es"}
# Shortcut keyword -> what Rasa is sent (an intent trigger, so no NLU guessing on one word).
TO_RASA = {"BAL": "/check_balance", "DUE": "/ask_due_date", "AUTOPAY": "/ask_autopay_status"}
PAY = {"PAY", "PAGAR", "PAGO"}

_NOT_WORD = re.compile(r"[^A-Z]")


@dataclass(frozen=True)
class Keyword:
    kind: str  # opt_out | opt_in | help | rasa | pay | text
    word: str | None = None
    locale: str | None = None  # the language the keyword itself implies, if any
    rasa_message: str | None = None


def normalize(body: str) -> str:
    """Like Twilio: the whole message is the keyword, case and spacing and punctuation aside."""
    return _NOT_WORD.sub("", (body or "").strip().upper())


def classify(body: str) -> Keyword:
    word = normalize(body)
    if word in OPT_OUT:
        return Keyword("opt_out", word, OPT_OUT[word])
    if word in OPT_IN:
        return Keyword("opt_in", word, OPT_IN[word])
    if word in HELP:
        return Keyword("help", word, HELP[word])
    if word in TO_RASA:
        return Keyword("rasa", word, None, TO_RASA[word])
    if word in PAY:
        return Keyword("pay", word, "es" if word != "PAY" else None)
    return Keyword("text")
