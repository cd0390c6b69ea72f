"""The real twilio REST client against Prism, a mock generated from Twilio's own OpenAPI spec.

Prism validates each request (path, auth, form fields) against the spec and answers 2xx only for a
valid one, so these tests check our calls against Twilio's contract without touching Twilio.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from decimal import Decimal

import pytest
import requests
from sqlalchemy import select

from ivr.config import ChannelSettings
from ivr.sms.models import SmsMessage
from ivr.sms.payment_confirmation import send_payment_confirmation
from ivr.sms.reminder_settings import ReminderSettings
from ivr.sms.reminders import run_reminders
from ivr.sms.transport import OutgoingSms, SmsRejected, TwilioTransport, transport_from_settings
from tests import twilio_mock
from tests.sms.conftest import add_member
from tests.sms.test_reminders import SEVEN_DAYS_BEFORE

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="module")
def prism_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    reason = twilio_mock.missing()
    if reason:
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        with twilio_mock.running_prism(tmp_path_factory.mktemp("prism") / "prism.log") as url:
            yield url
    except twilio_mock.PrismUnavailable as exc:
        pytest.fail(str(exc))


@pytest.fixture
def twilio_channels(prism_url: str) -> ChannelSettings:
    return ChannelSettings(
        twilio_auth_token="a-real-looking-token",
        twilio_account_sid=ACCOUNT_SID,
        twilio_from_number="+18776236765",
        twilio_api_base_url=prism_url,
        public_base_url="https://sms.example.org",
    )


def test_with_twilio_credentials_the_rest_client_transport_is_chosen(twilio_channels):
    assert isinstance(transport_from_settings(twilio_channels), TwilioTransport)
    no_sid = ChannelSettings(twilio_auth_token="a-real-looking-token")
    assert transport_from_settings(no_sid).name == "outbox"  # development mode (tests/conftest)


def test_a_text_from_our_number_is_a_valid_create_message_request(twilio_channels):
    transport = TwilioTransport.from_settings(twilio_channels)
    result = transport.send(
        OutgoingSms(
            "+16175550101",
            "Health Connector: test",
            status_callback="https://sms.example.org/sms/status?r=1",
        )
    )
    assert result.sid.startswith("SM") and result.status == "queued"


def test_a_text_through_a_messaging_service_is_a_valid_request(twilio_channels):
    transport = TwilioTransport.from_settings(twilio_channels)
    transport.from_number = None
    transport.messaging_service_sid = "MG" + "0" * 32
    assert transport.send(OutgoingSms("+16175550101", "hi")).sid.startswith("SM")


def test_the_mock_really_validates_a_request_that_breaks_the_contract(prism_url):
    url = f"{prism_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    no_to = requests.post(url, data={"From": "+18776236765", "Body": "x"}, auth=(ACCOUNT_SID, "t"))
    assert no_to.status_code == 422
    no_auth = requests.post(url, data={"To": "+16175550101", "From": "+1877", "Body": "x"})
    assert no_auth.status_code == 401


def test_a_contract_violation_surfaces_as_a_rejected_text_not_a_crash(twilio_channels):
    from dataclasses import replace

    broken = replace(twilio_channels, twilio_account_sid="AC-not-a-valid-sid")
    with pytest.raises(SmsRejected):
        TwilioTransport.from_settings(broken).send(OutgoingSms("+16175550101", "x"))


def test_the_reminder_job_sends_through_the_rest_client(runtime, twilio_channels):
    add_member(runtime)
    add_member(runtime, language="es")
    transport = TwilioTransport.from_settings(twilio_channels)
    stats = run_reminders(
        runtime,
        transport,
        settings=ReminderSettings(rate=0),
        channels=twilio_channels,
        now=SEVEN_DAYS_BEFORE,
    )
    assert stats.sent == 2 and stats.failed == 0 and stats.transport_error is None


def test_lookup_after_a_crash_uses_a_valid_list_request(twilio_channels):
    transport = TwilioTransport.from_settings(twilio_channels)
    # Prism answers with the spec's example message; what matters is that the request validates.
    assert transport.lookup("+16175550101", "no such body", SEVEN_DAYS_BEFORE) is None


def test_a_payment_confirmation_goes_through_the_rest_client(runtime, twilio_channels):
    sid = send_payment_confirmation(
        runtime, "+16175550101", "en", Decimal("198.00"), "9000000099", channels=twilio_channels
    )
    assert sid is not None
    with runtime.uow() as uow:
        row = uow.session.scalars(select(SmsMessage).where(SmsMessage.sid == sid)).one()
    assert row.transport == "twilio" and row.status == "queued"
