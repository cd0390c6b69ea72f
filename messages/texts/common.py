"""Shared pieces of wording used to speak or write amounts, times and digits."""

from messages.texts import N_

MESSAGES: dict[str, str] = {
    "money_spoken": N_("{dollars} dollars and {cents} cents"),
    "money_spoken_one_cent": N_("{dollars} dollars and 1 cent"),
    "money_spoken_one_dollar": N_("1 dollar and {cents} cents"),
    "money_spoken_one_dollar_one_cent": N_("1 dollar and 1 cent"),
    "money_spoken_whole": N_("{dollars} dollars"),
    "money_spoken_whole_one": N_("1 dollar"),
    "money_spoken_cents_only": N_("{cents} cents"),
    "money_spoken_cents_only_one": N_("1 cent"),
    "datetime_at": N_("{date} at {time}"),
}
