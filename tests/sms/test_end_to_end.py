"""Two-way texting through the real Rasa server, action server and demo database.

Account answers go only to a phone verified on that account; anyone else gets FAQ answers.
"""

from __future__ import annotations

import pytest

from billing_core.balances import get_balance
from billing_core.billing_calendar import utcnow
from ivr.app import create_app
from ivr.config import ChannelSettings
from tests.rasa_stack import RasaStack
from tests.sms.conftest import AUTH_TOKEN, BASE_URL, sign
from tests.sms.test_webhooks import reply_text

MARIA_PHONE = "+16175550101"  # verified on 1000000001 in the demo data
STRANGER = "+12025550123"

pytestmark = pytest.mark.rasa


@pytest.fixture
def sms_app(rasa_stack: RasaStack):
    rt = rasa_stack.runtime()
    channels = ChannelSettings(
        twilio_auth_token=AUTH_TOKEN, public_base_url=BASE_URL, rasa_url=rasa_stack.url
    )
    yield create_app({"TESTING": True}, runtime=rt, channels=channels)
    rt.engine.dispose()


def texts(app, phone: str, body: str) -> str:
    params = {"From": phone, "To": "+18776236765", "Body": body}
    reply = reply_text(
        app.test_client().post("/sms/inbound", data=params, headers=sign("/sms/inbound", params))
    )
    assert reply, f"no reply to {body!r}"
    return reply


def test_bal_from_the_verified_phone_asks_only_the_zip_then_texts_the_balance(sms_app):
    rt = sms_app.extensions["billing"]
    with rt.uow() as uow:
        owed = get_balance(uow, "1000000001", now=utcnow()).amount_due
    assert "zip" in texts(sms_app, MARIA_PHONE, "BAL").lower()
    answer = texts(sms_app, MARIA_PHONE, "02108")
    assert f"${owed:,.2f}" in answer
    assert len(answer) <= 320  # SMS-sized, not voice wording
    assert "press" not in answer.lower()


def test_a_stranger_who_knows_the_account_details_still_gets_no_account_information(sms_app):
    replies = [
        texts(sms_app, STRANGER, body) for body in ("what is my balance", "1000000001", "02108")
    ]
    assert not any("$" in reply for reply in replies)


def test_a_stranger_still_gets_faq_answers(sms_app):
    answer = texts(sms_app, STRANGER, "how do i pay by mail")
    assert "Health Connector" in answer and "check" in answer.lower()
