"""Shared pieces of wording used to speak or write amounts, times and digits."""

from ivr.texts import N_

MESSAGES: dict[str, str] = {
    "money_spoken": N_("{dollars} dollars and {cents} cents"),
    "money_spoken_whole": N_("{dollars} dollars"),
    "datetime_at": N_("{date} at {time}"),
}
