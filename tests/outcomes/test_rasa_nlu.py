"""The NLU reading the signed channel appends is taken out before any channel sees Rasa's answer."""

from __future__ import annotations

import json

import pytest
import requests

from ivr.rasa_client import RasaClient, RasaUnavailable


class FakeHttp:
    def __init__(self, payload):  # type: ignore[no-untyped-def]
        self.payload = payload

    def post(self, url, data, headers, timeout):  # type: ignore[no-untyped-def]
        response = requests.Response()
        response.status_code = 200
        response._content = json.dumps(self.payload).encode()
        return response


def client(payload) -> RasaClient:  # type: ignore[no-untyped-def]
    return RasaClient("http://rasa", 1.0, "s" * 32, session=FakeHttp(payload))  # type: ignore[arg-type]


def test_the_reading_is_exposed_and_removed():
    answer = client(
        [
            {"recipient_id": "voice:CA1", "custom": {"msg": "clarify", "expect": "menu"}},
            {"hc_nlu": {"intent": "pay_bill", "confidence": 0.31, "fallback": True}},
        ]
    ).send("voice:CA1", "uh", {})
    assert [m.msg for m in answer] == ["clarify"]
    assert answer.nlu.intent == "pay_bill" and answer.nlu.confidence == 0.31 and answer.nlu.fallback


def test_an_older_rasa_without_the_reading_still_answers():
    answer = client([{"custom": {"msg": "balance_due", "amount": "1.00"}}]).send("web:x", "hi", {})
    assert [m.msg for m in answer] == ["balance_due"] and answer.nlu is None


def test_a_reading_alone_is_still_no_answer():
    with pytest.raises(RasaUnavailable):
        client([{"hc_nlu": {"intent": "greet", "confidence": 0.9}}]).send("web:x", "hi", {})


def test_an_odd_reading_is_ignored():
    answer = client([{"custom": {"msg": "greet"}}, {"hc_nlu": "nonsense"}]).send("web:x", "hi", {})
    assert answer.nlu is None and [m.msg for m in answer] == ["greet"]
