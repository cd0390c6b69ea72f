"""Only the gateway talks to Rasa, only Rasa talks to the action server, and slots prove nothing.

Against the session's real Rasa server and action server, as someone who can reach their ports.
"""

from __future__ import annotations

import json

import pytest
import requests

from ivr.rasa_client import CHANNEL_PATH, signed_headers
from tests.rasa_stack import API_TOKEN, CHANNEL_SECRET, RasaStack
from tests.security.conftest import ATTACKER, VICTIM

pytestmark = [pytest.mark.rasa, pytest.mark.slow]


def post_channel(stack: RasaStack, sender: str, message: str, **kwargs) -> requests.Response:
    body = json.dumps({"sender": sender, "message": message, "metadata": kwargs}).encode()
    return requests.post(
        f"{stack.url}{CHANNEL_PATH}",
        data=body,
        headers=signed_headers(CHANNEL_SECRET, body),
        timeout=30,
    )


def ids(response: requests.Response) -> list[str]:
    response.raise_for_status()
    return [m["custom"]["msg"] for m in response.json() if "custom" in m]


def verify_in_chat(stack: RasaStack, sender: str) -> None:
    for message in ("what's my balance", ATTACKER["account"], ATTACKER["zip"]):
        post_channel(stack, sender, message, locale="en").raise_for_status()


def put_slots(stack: RasaStack, sender: str, **slots: object) -> None:
    """What anyone holding the API token could do: write slots straight into the tracker."""
    events = [{"event": "slot", "name": name, "value": value} for name, value in slots.items()]
    response = requests.post(
        f"{stack.url}/conversations/{sender}/tracker/events",
        params={"token": API_TOKEN},
        json=events,
        timeout=10,
    )
    response.raise_for_status()


def test_rasas_plain_rest_channel_is_gone(rasa_stack: RasaStack):
    response = requests.post(
        f"{rasa_stack.url}/webhooks/rest/webhook",
        json={"sender": "web:x", "message": "what's my balance"},
        timeout=10,
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-HC-Timestamp": "1700000000", "X-HC-Signature": "0" * 64},
        {"X-HC-Timestamp": "not-a-time", "X-HC-Signature": "x"},
    ],
    ids=["unsigned", "wrong-signature", "garbage"],
)
def test_the_gateway_channel_refuses_requests_without_the_secret(rasa_stack: RasaStack, headers):
    response = requests.post(
        f"{rasa_stack.url}{CHANNEL_PATH}",
        json={"sender": "sms:whatever", "message": "what's my balance"},
        headers=headers,
        timeout=10,
    )
    assert response.status_code == 401


def test_a_signed_body_cannot_be_reused_for_another_message(rasa_stack: RasaStack):
    body = json.dumps({"sender": "web:reuse", "message": "hello"}).encode()
    headers = signed_headers(CHANNEL_SECRET, body)
    forged = json.dumps({"sender": "web:reuse", "message": "what's my balance"}).encode()
    response = requests.post(
        f"{rasa_stack.url}{CHANNEL_PATH}", data=forged, headers=headers, timeout=10
    )
    assert response.status_code == 401


def test_a_sender_outside_the_channel_namespaces_is_refused(rasa_stack: RasaStack):
    response = post_channel(rasa_stack, "+16175550101", "what's my balance")
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/status"),
        ("get", "/conversations/web:x/tracker"),
        ("post", "/conversations/web:x/tracker/events"),
        ("post", "/conversations/web:x/messages"),
        ("post", "/model/parse"),
        ("put", "/model"),
    ],
)
def test_rasas_http_api_needs_its_token(rasa_stack: RasaStack, method: str, path: str):
    response = requests.request(method, f"{rasa_stack.url}{path}", json={}, timeout=10)
    assert response.status_code == 401
    wrong = requests.request(
        method, f"{rasa_stack.url}{path}", params={"token": "guess"}, json={}, timeout=10
    )
    assert wrong.status_code == 401


def test_the_action_server_refuses_calls_without_rasas_secret(rasa_stack: RasaStack):
    forged = {
        "next_action": "action_check_balance",
        "sender_id": "web:forged",
        "tracker": {
            "sender_id": "web:forged",
            "slots": {"verified": True, "account_number": VICTIM["account"]},
            "latest_message": {"text": "balance", "intent": {"name": "check_balance"}},
            "events": [],
        },
        "domain": {},
        "version": "3.6.21",
    }
    for headers in ({}, {"Authorization": "Bearer guess"}, {"Authorization": CHANNEL_SECRET}):
        response = requests.post(
            f"{rasa_stack.action_url}/webhook", json=forged, headers=headers, timeout=10
        )
        assert response.status_code == 401, headers
        assert requests.get(f"{rasa_stack.action_url}/actions", headers=headers).status_code == 401
    assert requests.get(f"{rasa_stack.action_url}/health", timeout=10).status_code == 200


def test_slots_written_straight_into_rasa_do_not_make_anyone_verified(rasa_stack: RasaStack):
    sender = "web:slot-writer"
    post_channel(rasa_stack, sender, "hello").raise_for_status()
    forged = f"{VICTIM['account']}.web.9999999999.{'0' * 64}"
    put_slots(rasa_stack, sender, verified=True, account_number=VICTIM["account"], identity=forged)
    answer = ids(post_channel(rasa_stack, sender, "what's my balance"))
    assert "balance_due" not in answer and "balance_past_due" not in answer
    assert "verification_required" in answer


def test_an_identity_copied_into_another_conversation_is_worth_nothing(rasa_stack: RasaStack):
    verify_in_chat(rasa_stack, "web:maria-genuine")
    genuine = json.loads(rasa_stack.tracker("web:maria-genuine"))["slots"]["identity"]
    assert genuine.startswith(f"{ATTACKER['account']}.web.")
    tampered = genuine.replace(ATTACKER["account"], VICTIM["account"], 1)

    for sender, identity in (("web:thief-copy", genuine), ("web:thief-edit", tampered)):
        post_channel(rasa_stack, sender, "hello").raise_for_status()
        put_slots(rasa_stack, sender, verified=True, identity=identity)
        answer = ids(post_channel(rasa_stack, sender, "what's my balance"))
        assert "verification_required" in answer, sender


def test_channel_metadata_cannot_turn_a_chat_into_a_phone_call(rasa_stack: RasaStack):
    """Pay by phone is for voice only; a chat that claims `channel: voice` is still a chat."""
    sender = "web:claims-voice"
    verify_in_chat(rasa_stack, sender)
    answer = ids(post_channel(rasa_stack, sender, "i want to pay my bill", channel="voice"))
    assert "pay_elsewhere" in answer
    assert not any(msg.startswith(("ask_payment_amount", "ask_new_bank")) for msg in answer)
