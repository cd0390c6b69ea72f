"""Reminders count what was really paid: a cancelled payment pays nothing, one made elsewhere counts
the moment it is imported."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import update

from billing_core.backoffice.import_files import read_payment_csv
from billing_core.backoffice.payment_import import import_payments
from billing_core.billing_calendar import EASTERN
from billing_core.models import Payment
from ivr.sms.reminder_settings import ReminderSettings
from ivr.sms.reminders import run_reminders
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


def test_a_walk_in_payment_imported_before_the_reminder_stops_it(runtime):
    paid_elsewhere = add_member(runtime, premium="198.00")
    unpaid = add_member(runtime, premium="198.00")
    text = (
        "reference,account_number,amount,received_on,method,channel\n"
        f"WI-1,{paid_elsewhere.account_number},198.00,2026-12-15,moneyorder,walk_in\n"
    )
    at = datetime(2026, 12, 16, 10, tzinfo=EASTERN).astimezone(UTC)
    parsed = read_payment_csv(text, today=date(2026, 12, 16))
    assert import_payments(runtime.uow, parsed, file_name="w", content=text, now=at).posted == 1
    transport = RecordingTransport()
    run_reminders(runtime, transport, settings=ReminderSettings(rate=0), now=at)
    assert [s.to for s in transport.sent] == [unpaid.phone]
