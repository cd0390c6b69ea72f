"""The three channels wired to the session's real Rasa server and action server, for attack tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from billing_core.balances import get_balance
from billing_core.billing_calendar import utcnow
from billing_core.models import Account, ContactPhone
from billing_core.runtime import BillingRuntime
from billing_core.settings import Settings
from ivr.app import create_app
from ivr.config import ChannelSettings
from tests.rasa_stack import RasaStack
from tests.voice.helpers import Caller

TOKEN = "security-e2e-token"
CHAT_HEADERS = {"X-HC-Chat": "1"}
CHAT_CONFIG = {
    "TESTING": True,
    "CHAT_SECRET_KEY": "security-chat-secret",
    "CHAT_ALLOWED_ORIGINS": "https://www.mahealthconnector.org",
    "CHAT_COOKIE_SECURE": False,
    # An attacker's patience is not the rate limit's to test here.
    "CHAT_LIMIT_PER_SESSION": "1000/minute",
    "CHAT_LIMIT_PER_IP": "1000/minute",
}
# The attacker is verified as Maria; the victim is Linda, on AutoPay from checking ending 6789.
# The attacker texts from a second verified phone of Maria's: the demo phone's conversation in the
# session's Rasa server belongs to the SMS end-to-end tests.
ATTACKER = {"account": "1000000001", "zip": "02108", "phone": "+16175550188"}
VICTIM = {"account": "1000000004", "zip": "02740", "bank_last4": "6789"}


@pytest.fixture
def stack_runtime(rasa_stack: RasaStack) -> Iterator[BillingRuntime]:
    rt = BillingRuntime.start(
        Settings(database_url=rasa_stack.database_url, bank_data_key_path=rasa_stack.key_file)
    )
    yield rt
    rt.engine.dispose()


@pytest.fixture
def attacker_phone(stack_runtime: BillingRuntime) -> str:
    """A phone verified on the attacker's account, added once to the session's database."""
    with stack_runtime.uow() as uow:
        account = uow.session.scalars(
            select(Account).where(Account.account_number == ATTACKER["account"])
        ).one()
        if ATTACKER["phone"] not in {p.number for p in account.phones}:
            uow.session.add(
                ContactPhone(account_id=account.id, number=ATTACKER["phone"], verified=True)
            )
    return ATTACKER["phone"]


@pytest.fixture
def gateway(rasa_stack: RasaStack, stack_runtime: BillingRuntime) -> Flask:
    channels = ChannelSettings(twilio_auth_token=TOKEN, rasa_url=rasa_stack.url)
    return create_app(CHAT_CONFIG, runtime=stack_runtime, channels=channels)


@pytest.fixture
def owed(stack_runtime: BillingRuntime) -> Callable[[str], str]:
    """An account's balance as the assistant would say it in text: "$198.00"."""

    def amount(account: str) -> str:
        with stack_runtime.uow() as uow:
            return f"${get_balance(uow, account, now=utcnow()).amount_due:,.2f}"

    return amount


def texts(app: Flask, phone: str, body: str) -> str:
    from tests.sms.test_webhooks import reply_text

    params = {"From": phone, "To": "+18776236765", "Body": body}
    url = "http://localhost/sms/inbound"
    signature = RequestValidator(TOKEN).compute_signature(url, params)
    response = app.test_client().post(
        "/sms/inbound", data=params, headers={"X-Twilio-Signature": signature}
    )
    return reply_text(response) or ""


def chat(client, message: str) -> str:
    response = client.post("/chat/api/message", json={"message": message}, headers=CHAT_HEADERS)
    assert response.status_code == 200, response.get_json()
    return "\n".join(m["text"] for m in response.get_json()["messages"])


@pytest.fixture
def caller(gateway: Flask) -> Caller:
    return Caller(gateway.test_client(), TOKEN, phone="+16175550399")
