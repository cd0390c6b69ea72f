"""The analyst's misses: grouped by similar words, labelled, exported as Rasa NLU YAML, never a digit."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

from ivr.ops import misses
from ivr.ops.figures import Miss
from tests.ops.conftest import csrf_of
from tests.ops.helpers import conversation


def test_similar_words_are_one_group_and_the_biggest_comes_first():
    day = datetime(2026, 12, 1).date()
    found = misses.group_misses(
        [
            Miss(
                day, "how do i pay my bill online", 3, 1, "How do I pay my bill online?", "pay_bill"
            ),
            Miss(day, "how do i pay the bill online", 2, 0, "how do I pay the bill online", "faq"),
            Miss(day, "where is my refund", 4, 4, "where is my refund", "nlu_fallback"),
            Miss(day, "where is my refund", 1, 1, "Where is my refund", "out_of_scope"),
        ],
        labels={"how do i pay the bill online": "faq/payment_portal"},
    )
    assert [(g.example, g.count, g.fallbacks) for g in found] == [
        ("How do I pay my bill online?", 5, 1),
        ("where is my refund", 5, 5),
    ]
    assert found[0].keys == ["how do i pay my bill online", "how do i pay the bill online"]
    assert found[0].label == "faq/payment_portal" and found[1].label is None
    assert found[1].guess == "nlu_fallback"


def test_label_choices_are_the_domain_intents_and_faq_topics():
    choices = misses.label_choices()
    assert "check_balance" in choices and "faq/pay_by_mail" in choices
    assert "faq" not in choices and "nlu_fallback" not in choices


def test_an_analyst_labels_a_miss_and_exports_it_for_review(ops_app, analyst):
    engine = ops_app.extensions["billing"].engine
    now = datetime.now(UTC)
    for _ in range(2):
        conversation(
            engine,
            now - timedelta(minutes=1),
            said=["can I pay with my card 4111 1111 1111 1111"],
            confidence=0.2,
        )
    conversation(
        engine, now - timedelta(minutes=1), said=["I'm born 04/12/1985 zip 02108"], confidence=0.5
    )
    conversation(engine, now - timedelta(minutes=1), said=["what is my balance"], confidence=0.99)

    page = analyst.get("/ops/misses?period=30d")  # today's and yesterday's (near midnight)
    assert page.status_code == 200
    shown = html.unescape(page.text)
    assert "can I pay with my card [number]" in shown and "I'm born [number] zip [number]" in shown
    assert "what is my balance" not in shown  # understood with confidence: not a miss
    key = "can i pay with my card [number]"
    posted = analyst.post(
        "/ops/misses/label",
        data={"csrf_token": csrf_of(page.text), "key": key, "intent": "faq/card_payments"},
        headers={"Origin": "http://localhost"},
    )
    assert posted.status_code == 302 and "saved=1" in posted.headers["Location"]
    assert "labelled faq/card_payments" in analyst.get("/ops/misses?period=30d").text
    exported = analyst.get("/ops/misses/export.yml")
    assert exported.headers["Content-Disposition"].startswith('attachment; filename="nlu-misses-')
    assert exported.text.endswith(
        'version: "3.1"\nnlu:\n- intent: faq/card_payments\n  examples: |\n'
        "    - can I pay with my card [number]\n"
    )
    csv = analyst.get("/ops/csv/misses?period=30d").text
    assert "can I pay with my card [number],2,2,check_balance,faq/card_payments" in csv.replace(
        "\r", ""
    )
    for text in (page.text, exported.text, csv):
        for secret in ("4111", "1985", "02108"):
            assert secret not in text


def test_a_label_must_be_a_known_intent_and_a_recorded_group(ops_app, analyst):
    token = csrf_of(analyst.get("/ops/misses").text)
    headers = {"Origin": "http://localhost"}
    unknown_intent = analyst.post(
        "/ops/misses/label",
        data={"csrf_token": token, "key": "x", "intent": "rm -rf"},
        headers=headers,
    )
    assert unknown_intent.status_code == 400 and "listed intents" in unknown_intent.text
    # A key nobody said: the example would come from the form, so it is refused.
    made_up = analyst.post(
        "/ops/misses/label",
        data={"csrf_token": token, "key": "my account is 1000000001", "intent": "check_balance"},
        headers=headers,
    )
    assert made_up.status_code == 400 and "no longer recorded" in made_up.text
    assert "1000000001" not in analyst.get("/ops/misses/export.yml").text


def test_without_domain_yml_the_choices_are_the_known_intents(monkeypatch, tmp_path):
    monkeypatch.setattr(misses, "DOMAIN", tmp_path / "missing.yml")
    misses.label_choices.cache_clear()
    try:
        choices = misses.label_choices()
    finally:
        misses.label_choices.cache_clear()
    assert "check_balance" in choices and not any(c.startswith("faq") for c in choices)
