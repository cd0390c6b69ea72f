"""A member's words made safe to keep: every number and date masked, however it was written or said.

Speech recognition writes "zero two one oh eight" as often as "02108", and people type digits with
separators and Unicode look-alikes (billing_core.written_digits reads those the same way as the
gateway's bank-number filters). So a run of digits, number words (English and Spanish) and month
names becomes "[number]" or "[date]": bank, card and account numbers, ZIP codes, dates of birth
and phone numbers all leave nothing behind. An e-mail address becomes "[email]", and the words
after "my name is" / "me llamo" become "[name]". No digit survives masking, whatever else happens.
"""

from __future__ import annotations

import re
import unicodedata

from billing_core.written_digits import plain

MAX_CHARS = 300
NUMBER = "[number]"
DATE = "[date]"


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_NUMBER_WORDS = _word_set(
    """
    zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen
    sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety
    hundred thousand million double triple
    third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth fourteenth
    fifteenth sixteenth seventeenth eighteenth nineteenth twentieth thirtieth
    cero uno una dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce quince
    dieciseis diecisiete dieciocho diecinueve veinte veintiuno veintiuna veintidos veintitres
    veinticuatro veinticinco veintiseis veintisiete veintiocho veintinueve treinta cuarenta
    cincuenta sesenta setenta ochenta noventa cien ciento doscientos trescientos cuatrocientos
    quinientos seiscientos setecientos ochocientos novecientos mil millon millones
    tercero cuarto quinto sexto septimo octavo noveno decimo
    """
)
# Number words only next to another number ("oh two", "first of May", "treinta y uno").
_WEAK_NUMBER_WORDS = _word_set("oh o first second primero segundo a y and")
_MONTHS = _word_set(
    """
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec
    enero febrero marzo abril mayo junio julio agosto septiembre setiembre octubre noviembre
    diciembre ene abr ago dic
    """
)
# Words that may sit inside a date or number run: "the 12th of April", "12 de abril".
_CONNECTORS = {"of", "de", "del", "the", "el", "and", "y"}
_TOKEN = re.compile(r"\w+", re.UNICODE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_NAME = re.compile(r"\b(my name is|me llamo|mi nombre es)((?: [^\W\d_][\w'’-]*){1,3})", re.I)
_NAME_STOP = {"and", "y", "i", "yo", "my", "mi", "account", "cuenta", "please", "por"}
_ANY_DIGIT = re.compile(r"\d")


def _fold(word: str) -> str:
    """Lower case without accents: "Dieciséis" and "dieciseis" are one word here."""
    decomposed = unicodedata.normalize("NFD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _kind(word: str) -> str:
    folded = _fold(word)
    if any(ch.isdigit() for ch in folded):
        return "digits"
    parts = [part for part in folded.split("_") if part]
    if parts and all(part in _NUMBER_WORDS for part in parts):
        return "number"
    if folded in _MONTHS:
        return "month"
    if folded in _WEAK_NUMBER_WORDS:
        return "weak"
    if folded in _CONNECTORS:
        return "connector"
    return "word"


def _mask_runs(text: str) -> str:
    tokens = list(_TOKEN.finditer(text))
    kinds = [_kind(t.group()) for t in tokens]
    out: list[str] = []
    position = 0
    i = 0
    while i < len(tokens):
        if kinds[i] not in ("digits", "number", "month", "weak"):
            i += 1
            continue
        # Extend a run over numbers, months, weak number words and connectors between them.
        j = i
        last = i
        while j < len(tokens):
            gap = text[tokens[j - 1].end() : tokens[j].start()] if j > i else ""
            if j > i and not re.fullmatch(r"[\s,./\-]*", gap):
                break
            if kinds[j] in ("digits", "number", "month", "weak"):
                last = j
            elif kinds[j] != "connector":
                break
            j += 1
        run = kinds[i : last + 1]
        strong = sum(k in ("digits", "number") for k in run)
        if strong == 0:  # "May I pay", "oh and": words, not a number
            i = last + 1
            continue
        # Weak words at the edges stay words ("a", "and", "oh" before the number).
        while kinds[i] in ("weak", "connector") and i < last:
            i += 1
        while kinds[last] in ("weak", "connector") and last > i:
            last -= 1
        out.append(text[position : tokens[i].start()])
        out.append(DATE if "month" in kinds[i : last + 1] else NUMBER)
        position = tokens[last].end()
        i = last + 1
    out.append(text[position:])
    return "".join(out)


def _mask_names(text: str) -> str:
    """The (up to three) words after "my name is": "my name is [name]"."""

    def replace(match: re.Match[str]) -> str:
        words = match.group(2).split()
        kept = 0
        while kept < len(words) and _fold(words[kept]) not in _NAME_STOP:
            kept += 1
        if kept == 0:
            return match.group(0)
        return " ".join([match.group(1), "[name]", *words[kept:]])

    return _NAME.sub(replace, text)


def mask_utterance(text: str | None) -> str | None:
    """The words with every number, date, e-mail address and stated name masked; None if empty."""
    cleaned = " ".join(plain(text).split())
    if not cleaned:
        return None
    cleaned = _EMAIL.sub("[email]", cleaned)
    cleaned = _mask_names(cleaned)
    cleaned = _mask_runs(cleaned)
    cleaned = _ANY_DIGIT.sub("", cleaned)  # belt and braces: no digit is ever kept
    return cleaned[:MAX_CHARS]


_PLACEHOLDER = re.compile(r"\[(number|date|email|name)\]")
_FILLERS = {"um", "uh", "uhm", "erm", "er", "hmm", "mm", "ah", "eh", "please"}


def group_key(masked: str | None) -> str | None:
    """Masked words reduced for grouping: case, accents, punctuation and fillers dropped."""
    if not masked:
        return None
    marked = _PLACEHOLDER.sub(lambda m: f" zz{m.group(1)}zz ", masked)
    words = [_fold(w) for w in re.findall(r"\w+", marked, re.UNICODE)]
    words = [w for w in words if w not in _FILLERS and not _ANY_DIGIT.search(w)]
    key = " ".join(re.sub(r"^zz(\w+)zz$", r"[\1]", w) for w in words)
    return key[:200] or None
