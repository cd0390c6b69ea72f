"""End to end: the chat widget and endpoint against the real Rasa server, action server and billing
core (demo accounts). Needs the Rasa env and a trained model (`make train`)."""

from __future__ import annotations

import json
import re

import pytest
from flask import Flask

from billing_core.balances import get_balance
from billing_core.billing_calendar import utcnow
from tests.chat.conftest import live_server
from tests.rasa_stack import LOCKOUT_ACCOUNTS, LOCKOUT_ZIP, RasaStack

pytestmark = [pytest.mark.rasa, pytest.mark.slow]

XSS = "<img src=x onerror=alert(1)>"
HEADERS = {"X-HC-Chat": "1"}


@pytest.fixture
def chat_app(make_chat_app, rasa_stack: RasaStack) -> Flask:
    return make_chat_app(rasa_stack.url)


def say(client, message: str, locale: str = "en") -> str:
    response = client.post(
        "/chat/api/message", json={"message": message, "locale": locale}, headers=HEADERS
    )
    assert response.status_code == 200, response.get_json()
    return "\n".join(m["text"] for m in response.get_json()["messages"])


def test_a_visitor_asks_in_english_then_spanish_and_html_stays_text(
    chat_app: Flask, browser, results_dir
):
    context = browser.new_context(locale="en-US", viewport={"width": 1100, "height": 900})
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        with live_server(chat_app) as base:
            page.goto(f"{base}/chat")
            bot = page.locator(".hc-bot")

            page.get_by_label("Your message").fill("how do I pay by mail?")
            page.keyboard.press("Enter")
            bot.nth(1).wait_for()
            assert re.search(r"check or money order payable to", bot.nth(1).inner_text(), re.I)

            page.get_by_role("button", name="Español").press("Enter")
            page.get_by_label("Su mensaje").fill("¿cómo pago por correo?")
            page.keyboard.press("Enter")
            bot.nth(2).wait_for()
            assert re.search(r"cheque o giro postal a nombre de", bot.nth(2).inner_text(), re.I)
            assert bot.nth(2).get_attribute("lang") == "es"

            page.get_by_label("Su mensaje").fill(XSS)
            page.keyboard.press("Enter")
            bot.nth(3).wait_for()
            assert page.locator(".hc-user").last.inner_text().endswith(XSS)
            assert page.locator(".hc-log img").count() == 0
            assert dialogs == []
            page.get_by_label("Su mensaje").focus()
            page.screenshot(path=str(results_dir / "chat-end-to-end.png"), full_page=True)
    finally:
        context.close()


def test_account_answers_only_after_verification_in_this_chat(chat_app: Flask, rasa_stack):
    client = chat_app.test_client()
    # The session's demo database is shared with other suites (e.g. a voice payment): read the
    # balance the member should hear from the billing core rather than assuming it.
    rt = rasa_stack.runtime()
    with rt.uow() as uow:
        owed = get_balance(uow, "1000000001", now=utcnow()).amount_due
    rt.engine.dispose()

    assert "account number" in say(client, "what is my balance?").lower()
    assert "zip code" in say(client, "1000000001").lower()
    answer = say(client, "02108")
    assert "Maria Silva" in answer
    assert f"${owed:,.2f}" in answer

    stranger = chat_app.test_client()  # another browser: a new conversation, not verified
    answer = say(stranger, "what is my balance?")
    assert "account number" in answer.lower()
    assert "$" not in answer


def test_three_wrong_zip_codes_lock_verification_as_on_the_phone(chat_app: Flask):
    account = LOCKOUT_ACCOUNTS["chat"]  # its own account: the lock outlives this test
    client = chat_app.test_client()
    say(client, "what is my balance")
    for tries_left in ("2 tries", "one try"):
        say(client, account)
        assert tries_left in say(client, "99999")
    say(client, account)
    locked = say(client, "99999")
    assert "locked" in locked
    assert "1-877-623-6765" in locked

    # A fresh chat with the right ZIP code is still refused: the lockout is the account's.
    later = chat_app.test_client()
    say(later, "what is my balance")
    say(later, account)
    answer = say(later, LOCKOUT_ZIP)
    assert "locked" in answer
    assert "Lockout Test" not in answer


def test_bank_numbers_typed_in_the_chat_never_reach_rasa(chat_app: Flask, rasa_stack: RasaStack):
    client = chat_app.test_client()
    for message in ("I want to pay my bill", "1000000001", "02108", "full balance"):
        say(client, message)

    answer = say(client, "routing 211370545 account 123456789012")

    assert "don't type bank account, routing or card numbers" in answer
    sender = _sender_id(chat_app, client)
    tracker = json.loads(rasa_stack.tracker(sender))
    said = [e.get("text") or "" for e in tracker["events"] if e["event"] == "user"]
    assert "1000000001" in said  # the right conversation
    assert not any("211370545" in text or "123456789012" in text for text in said)


def test_paying_in_chat_points_to_the_portal_guest_payment_or_phone(chat_app: Flask):
    client = chat_app.test_client()
    transcript = [say(client, m) for m in ("I want to pay my bill", "1000000001", "02108")]

    text = "\n".join(transcript)
    assert re.search(r"MAHealthConnector\.org|guest payment|1-877-623-6765", text, re.I), text
    assert "routing" not in text.lower()


def _sender_id(app: Flask, client) -> str:
    cookie = client.get_cookie("hc_chat", path="/chat/api")
    with app.test_request_context(headers={"Cookie": f"hc_chat={cookie.value}"}):
        from flask import request

        return f"web:{app.extensions['chat'].sessions.load(request).id}"
