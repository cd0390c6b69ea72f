"""A payment the member cancelled pays nothing: the due-date reminder goes out as if it never was."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update

from billing_core.billing_calendar import EASTERN
from billing_core.models import Payment
from ivr.sms.reminders import ReminderSettings, run_reminders
from tests.sms.conftest import RecordingTransport, add_member


def test_a_member_whose_payment_was_cancelled_is_reminded_of_the_whole_bill(runtime):
    member = add_member(runtime, premium="198.00", paid="198.00")
    with runtime.uow() as uow:  # what billing_core.cancellation.cancel_payment leaves behind
        uow.session.execute(update(Payment).values(status="cancelled"))
    transport = RecordingTransport()
    at = datetime(2026, 12, 16, 10, tzinfo=EASTERN).astimezone(UTC)
    run_reminders(runtime, transport, settings=ReminderSettings(rate=0), now=at)
    assert [s.to for s in transport.sent] == [member.phone]
    assert "$198.00" in transport.sent[0].body
