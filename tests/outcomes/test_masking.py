"""Masking: no number or date a member says or types survives in what the outcome events keep."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ivr.outcomes.masking import group_key, mask_utterance


@pytest.mark.parametrize(
    ("said", "kept"),
    [
        ("my zip is 02108", "my zip is [number]"),
        ("zero two one oh eight", "[number]"),
        ("routing 021000021 account 000987654321", "routing [number] account [number]"),
        ("card 4111-1111 1111 1111 please", "card [number] please"),
        ("I was born April 12, 1985", "I was born [date]"),
        ("born the twelfth of April nineteen eighty five", "born the [date]"),
        ("04/12/1985", "[number]"),
        ("nací el 12 de abril de 1985", "nací el [date]"),
        ("treinta y uno de diciembre", "[date]"),
        ("call me at (617) 555-0101", "call me at ([number]) [number]"),
        ("+1 617 555 0101", "+[number]"),
        ("４１１１ １１１１", "[number]"),
        ("acct 1000000001 zip O2108", "acct [number] zip [number]"),
        ("my name is Maria Silva and I want to pay", "my name is [name] and I want to pay"),
        ("Me llamo José García, cuenta 1000000002", "Me llamo [name], cuenta [number]"),
        ("write to maria.silva@example.com", "write to [email]"),
        ("May I pay my bill?", "May I pay my bill?"),
        ("oh I see, and the due date?", "oh I see, and the due date?"),
    ],
)
def test_numbers_dates_names_and_addresses_are_masked(said, kept):
    assert mask_utterance(said) == kept


def test_nothing_to_keep_is_none():
    assert mask_utterance("   ") is None
    assert mask_utterance(None) is None


@given(st.text(max_size=200))
def test_no_digit_of_any_script_survives(text):
    masked = mask_utterance(text) or ""
    assert not any(ch.isdigit() for ch in masked)
    assert len(masked) <= 300


@given(st.lists(st.sampled_from(["1", "2", "3", " ", "-", ".", "one", "oh", "nine"]), max_size=30))
def test_a_spoken_or_keyed_number_never_leaves_a_digit_or_a_number_word_run(parts):
    masked = mask_utterance("pay " + "".join(parts)) or ""
    assert not re.search(r"\d", masked)
    assert not re.search(r"\b(one|nine)\b", masked)


def test_similar_words_share_a_group_key():
    assert group_key(mask_utterance("Um, how do I pay my bill?")) == group_key(
        mask_utterance("how do i pay my BILL")
    )
    assert group_key(mask_utterance("mi cumpleaños es el 12 de abril")) == (
        "mi cumpleanos es el [date]"
    )
    assert group_key(None) is None
