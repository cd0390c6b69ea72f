"""Reminder job: who gets which text when, exactly once, inside sending hours, in their language."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import func, select

from billing_core.autopay_schedule import first_drafted_month
from billing_core.backoffice.models import RegENotice
from billing_core.billing_calendar import EASTERN
from billing_core.models import AutopayEnrollment, ContactPhone
from billing_core.reminder_eligibility import targets_for
from ivr.sms import consent
from ivr.sms.gsm import is_gsm7, segments
from ivr.sms.models import SmsMessage, SmsOptOut, SmsReminder
from ivr.sms.pacing import RateLimiter
from ivr.sms.reminder_ledger import ledger_reminders
from ivr.sms.reminder_settings import ReminderSettings
from ivr.sms.reminders import ReminderSender, run_reminders
from ivr.sms.transport import OutboxTransport, SmsRejected, TransportUnavailable
from messages.render import render
from tests.sms.conftest import DUE, RecordingTransport, SimulatedCrash, add_member

SETTINGS = ReminderSettings(rate=0)


def eastern(y: int, m: int, d: int, hour: int, minute: int = 0) -> datetime:
    return datetime(y, m, d, hour, minute, tzinfo=EASTERN).astimezone(UTC)


SEVEN_DAYS_BEFORE = eastern(2026, 12, 16, 10)  # Wednesday 16 December, 10 AM Eastern
TWO_DAYS_BEFORE = eastern(2026, 12, 21, 10)
DAY_AFTER = eastern(2026, 12, 24, 10)


def run(runtime, at, transport=None, settings=SETTINGS):
    transport = transport or RecordingTransport()
    stats = run_reminders(runtime, transport, settings=settings, now=at)
    return transport, stats


def reminder_rows(runtime):
    with runtime.uow() as uow:
        return uow.session.scalars(select(SmsReminder).order_by(SmsReminder.id)).all()


def test_an_opted_in_member_with_an_open_bill_is_reminded_7_and_2_days_before_the_23rd(runtime):
    member = add_member(runtime)
    sent, stats = run(runtime, SEVEN_DAYS_BEFORE)
    assert stats.ledgered["due_7d"] == 1
    assert [s.to for s in sent.sent] == [member.phone]
    assert sent.sent[0].body == (
        "Health Connector: your premium of $198.00 is due December 23, 2026. Pay at "
        "MAhealthconnector.org or call 1-877-623-6765. Reply STOP to opt out."
    )
    assert member.account_number not in sent.sent[0].body
    sent, stats = run(runtime, TWO_DAYS_BEFORE)
    assert stats.ledgered["due_2d"] == 1 and len(sent.sent) == 1


def test_the_days_before_the_due_date_are_configurable(runtime):
    add_member(runtime)
    settings = replace(SETTINGS, due_days=(10, 3))
    sent, stats = run(runtime, eastern(2026, 12, 13, 10), settings=settings)
    assert stats.ledgered == {"due_10d": 1} and len(sent.sent) == 1


def test_a_rerun_the_same_day_sends_nothing_twice(runtime):
    add_member(runtime)
    first, _ = run(runtime, SEVEN_DAYS_BEFORE)
    again, stats = run(runtime, SEVEN_DAYS_BEFORE + timedelta(hours=3))
    assert len(first.sent) == 1 and again.sent == []
    assert stats.ledgered["due_7d"] == 0


def test_a_missed_day_is_caught_up_without_sending_both_reminders(runtime):
    add_member(runtime)
    sent, _ = run(runtime, eastern(2026, 12, 22, 9))  # the job did not run on the 16th-21st
    assert [r.kind for r in reminder_rows(runtime)] == ["due_2d"]
    assert len(sent.sent) == 1


def test_the_past_due_notice_goes_out_the_day_after_the_due_date(runtime):
    add_member(runtime, premium="250.00", paid="100.00")
    sent, stats = run(runtime, DAY_AFTER)
    assert stats.ledgered["past_due_1d"] == 1
    assert sent.sent[0].body.startswith(
        "Health Connector: your premium of $150.00 due December 23, 2026 is past due."
    )


def test_nothing_is_sent_for_a_paid_bill_and_a_partial_payment_leaves_the_rest(runtime):
    add_member(runtime, premium="198.00", paid="198.00")
    partial = add_member(runtime, premium="198.00", paid="98.00")
    sent, _ = run(runtime, SEVEN_DAYS_BEFORE)
    assert [s.to for s in sent.sent] == [partial.phone]
    assert "$100.00" in sent.sent[0].body


def test_only_verified_opted_in_numbers_are_texted(runtime):
    add_member(runtime, verified=False)
    add_member(runtime, opted_in=False)
    sent, stats = run(runtime, SEVEN_DAYS_BEFORE)
    assert sent.sent == [] and stats.ledgered["due_7d"] == 0


def test_a_member_fully_covered_by_active_autopay_gets_no_due_reminder(runtime):
    add_member(runtime, autopay_day=21, last_draft="198.00")
    paused = add_member(runtime, autopay_day=21, autopay_status="paused", last_draft="198.00")
    sent, _ = run(runtime, SEVEN_DAYS_BEFORE)
    assert [s.to for s in sent.sent] == [paused.phone]


def test_autopay_whose_draft_already_passed_unpaid_gets_the_reminder(runtime):
    late = add_member(runtime, autopay_day=5, last_draft="198.00")
    sent, _ = run(runtime, SEVEN_DAYS_BEFORE)
    assert [s.to for s in sent.sent] == [late.phone]


def test_the_reminder_job_computes_no_reg_e_notice_of_its_own(runtime):
    """Reg E notices are the back office's (tests/sms/test_notices.py): never a second one."""
    add_member(runtime, premium="215.00", autopay_day=21, last_draft="198.00")
    sent, stats = run(runtime, eastern(2026, 12, 2, 10))  # 19 days before the draft
    assert sent.sent == [] and sum(stats.ledgered.values()) == 0
    assert reminder_rows(runtime) == []


def test_a_legacy_autopay_notice_row_is_skipped_never_sent(runtime):
    member = add_member(runtime, premium="215.00", autopay_day=21, last_draft="198.00")
    at = eastern(2026, 12, 2, 10)
    with runtime.uow() as uow:
        uow.session.add(
            SmsReminder(
                account_id=member.account_id,
                contact_phone_id=member.phone_id,
                number=member.phone,
                coverage_month=date(2027, 1, 1),
                kind="autopay_notice",
                locale="en",
                timezone="America/New_York",
                amount=Decimal("215.00"),
                event_date=date(2026, 12, 21),
                status="pending",
                expires_at=DUE,
                attempts=0,
                created_at=at,
            )
        )
    sent, _ = run(runtime, at)
    assert sent.sent == [] and [r.status for r in reminder_rows(runtime)] == ["skipped"]


def test_a_spanish_speaking_member_gets_the_reminder_in_spanish(runtime):
    add_member(runtime, premium="1234.50", language="es")
    sent, _ = run(runtime, SEVEN_DAYS_BEFORE)
    assert sent.sent[0].body == (
        "Health Connector: su prima de $1,234.50 vence el 23 de diciembre de 2026. Pague en "
        "MAhealthconnector.org o al 1-877-623-6765. Responda STOP para cancelar."
    )


@pytest.mark.parametrize("locale", ["en", "es"])
@pytest.mark.parametrize(
    "msg",
    [
        "sms_reminder_due",
        "sms_reminder_past_due",
        "sms_payment_confirmation",
        "sms_help",
        "sms_opted_out",
        "sms_how_to_pay",
    ],
)
def test_every_text_fits_one_gsm7_segment_even_with_long_amounts_and_dates(msg, locale):
    params = {
        "amount": Decimal("12345.67"),
        "due_date": date(2027, 9, 23),
        "draft_date": date(2027, 9, 21),
        "confirmation_number": "9000100001",
    }
    text = render(msg, params, locale=locale, channel="sms")
    assert is_gsm7(text), text
    assert segments(text) == 1, (len(text), text)


def test_a_text_without_amounts_when_policy_says_so(runtime):
    add_member(runtime)
    sent, _ = run(runtime, SEVEN_DAYS_BEFORE, settings=replace(SETTINGS, include_amounts=False))
    assert "$" not in sent.sent[0].body and "December 23, 2026" in sent.sent[0].body


def test_a_number_that_opted_out_is_not_texted_even_when_already_ledgered(runtime):
    member = add_member(runtime)
    with runtime.uow() as uow:
        ledger_reminders(uow, now=SEVEN_DAYS_BEFORE, settings=SETTINGS)
    with runtime.uow() as uow:
        consent.opt_out(uow, member.phone, source="STOP", now=SEVEN_DAYS_BEFORE)
    transport = RecordingTransport()
    stats = ReminderSender(runtime, transport, SETTINGS, clock=lambda: SEVEN_DAYS_BEFORE).run()
    assert transport.sent == [] and stats.skipped_opted_out == 1
    assert reminder_rows(runtime)[0].status == "skipped"
    # and the next reminder is not even ledgered
    sent, stats = run(runtime, TWO_DAYS_BEFORE)
    assert sent.sent == [] and stats.ledgered["due_2d"] == 0


def test_a_stop_on_a_number_unknown_to_any_account_still_blocks_it_later(runtime):
    member = add_member(runtime)
    with runtime.uow() as uow:
        uow.session.add(SmsOptOut(number=member.phone, opted_out_at=DUE, source="STOP"))
    assert run(runtime, SEVEN_DAYS_BEFORE)[0].sent == []


def test_outside_sending_hours_the_job_defers_and_sends_later(runtime):
    west = add_member(runtime, timezone="America/Los_Angeles")
    east = add_member(runtime)
    # 10:30 AM Eastern is 7:30 AM Pacific: too early in California.
    with time_machine.travel(eastern(2026, 12, 16, 10, 30), tick=False):
        transport = RecordingTransport()
        stats = run_reminders(runtime, transport, settings=SETTINGS)
    assert [s.to for s in transport.sent] == [east.phone]
    assert stats.deferred == 1
    with time_machine.travel(eastern(2026, 12, 16, 23, 30), tick=False):  # 8:30 PM Pacific
        transport = RecordingTransport()
        stats = run_reminders(runtime, transport, settings=SETTINGS)
    assert [s.to for s in transport.sent] == [west.phone] and stats.deferred == 0


def test_nothing_is_sent_at_night_and_everything_in_the_morning(runtime):
    add_member(runtime)
    with time_machine.travel(eastern(2026, 12, 16, 21, 0), tick=False):  # 9 PM sharp: too late
        transport, stats = run(runtime, None)
    assert transport.sent == [] and stats.deferred == 1
    with time_machine.travel(eastern(2026, 12, 17, 8, 0), tick=False):
        transport, stats = run(runtime, None)
    assert len(transport.sent) == 1


def test_a_due_reminder_that_could_not_go_before_the_due_time_expires_unsent(runtime):
    add_member(runtime)
    with runtime.uow() as uow:
        ledger_reminders(uow, now=TWO_DAYS_BEFORE, settings=SETTINGS)
    transport = RecordingTransport()
    stats = ReminderSender(
        runtime, transport, SETTINGS, clock=lambda: DUE + timedelta(hours=1)
    ).run()
    assert transport.sent == [] and stats.expired == 1


# --- exactly once across crashes -----------------------------------------------------------------


def messages_per_reminder(runtime) -> dict[int, int]:
    with runtime.uow() as uow:
        rows = uow.session.execute(
            select(SmsMessage.reminder_id, func.count()).group_by(SmsMessage.reminder_id)
        ).all()
    return dict(rows)


def test_a_crash_after_ledgering_loses_nothing_on_rerun(runtime):
    for _ in range(3):
        add_member(runtime)
    with runtime.uow() as uow:
        ledger_reminders(uow, now=SEVEN_DAYS_BEFORE, settings=SETTINGS)
    # the process died here; the rerun finds the ledger rows and sends them
    transport, stats = run(runtime, SEVEN_DAYS_BEFORE + timedelta(minutes=5))
    assert len(transport.sent) == 3 and stats.ledgered["due_7d"] == 0


def test_a_crash_in_the_middle_of_the_outbox_batch_resends_only_what_was_not_recorded(
    runtime, capsys
):
    for _ in range(5):
        add_member(runtime)
    outbox = OutboxTransport()
    outbox.flush_every = 2
    sends = 0
    original = outbox.send

    def dying_send(sms):
        nonlocal sends
        sends += 1
        if sends == 4:
            raise SimulatedCrash()
        return original(sms)

    outbox.send = dying_send  # type: ignore[method-assign]
    with pytest.raises(SimulatedCrash):
        run_reminders(runtime, outbox, settings=SETTINGS, now=SEVEN_DAYS_BEFORE)
    assert capsys.readouterr().out.count("[sms to") == 2  # printed only once recorded
    assert sum(messages_per_reminder(runtime).values()) == 2
    # rerun after the lease: the three rows left `sending` were never recorded, so they go out
    later = SEVEN_DAYS_BEFORE + SETTINGS.lease + timedelta(minutes=1)
    stats = run_reminders(runtime, OutboxTransport(), settings=SETTINGS, now=later)
    assert stats.sent == 3
    assert messages_per_reminder(runtime) == {r.id: 1 for r in reminder_rows(runtime)}
    assert {r.status for r in reminder_rows(runtime)} == {"sent"}


def test_a_crash_after_twilio_took_the_text_but_before_recording_it_is_not_resent(runtime):
    for _ in range(3):
        add_member(runtime)
    transport = RecordingTransport(crash_at=2, crash_with=SimulatedCrash(), crash_after_accept=True)
    with pytest.raises(SimulatedCrash):
        run_reminders(runtime, transport, settings=SETTINGS, now=SEVEN_DAYS_BEFORE)
    assert len(transport.sent) == 2  # the second text reached "Twilio", its SID was not saved
    transport.crash_at = None
    # a rerun inside the lease leaves the in-flight rows alone (another runner may own them)
    stats = run_reminders(runtime, transport, settings=SETTINGS, now=SEVEN_DAYS_BEFORE)
    assert stats.sent == 0 and len(transport.sent) == 2
    later = SEVEN_DAYS_BEFORE + SETTINGS.lease + timedelta(minutes=1)
    stats = run_reminders(runtime, transport, settings=SETTINGS, now=later)
    assert stats.reconciled == 1 and stats.sent == 1
    bodies = [(s.to, s.body) for s in transport.sent]
    assert len(bodies) == len(set(bodies)) == 3  # every member exactly once
    assert {r.status for r in reminder_rows(runtime)} == {"sent"}


def test_twilio_unreachable_stops_the_run_and_a_later_run_sends_everything(runtime):
    for _ in range(3):
        add_member(runtime)
    transport = RecordingTransport(crash_at=2, crash_with=TransportUnavailable("refused"))
    _, stats = run(runtime, SEVEN_DAYS_BEFORE, transport)
    assert stats.transport_error and stats.sent == 1
    assert [r.status for r in reminder_rows(runtime)] == ["sent", "pending", "pending"]
    transport.crash_at = None
    _, stats = run(runtime, SEVEN_DAYS_BEFORE + timedelta(minutes=10), transport)
    assert stats.sent == 2 and len({s.to for s in transport.sent}) == 3


def test_error_21610_from_twilio_marks_the_number_opted_out(runtime):
    member = add_member(runtime)
    transport = RecordingTransport(crash_at=1, crash_with=SmsRejected(21610, "unsubscribed"))
    _, stats = run(runtime, SEVEN_DAYS_BEFORE, transport)
    assert stats.failed == 1
    with runtime.uow() as uow:
        assert consent.is_opted_out(uow, member.phone)
        phone = uow.session.get(ContactPhone, member.phone_id)
        assert phone.opted_out_at is not None


def test_the_rate_limiter_spaces_messages_evenly():
    clock = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    limiter = RateLimiter(4.0, clock=lambda: clock[0], sleep=sleep)
    for _ in range(9):
        limiter.wait()
    assert clock[0] == pytest.approx(2.0)  # 9 sends at 4/s: the 9th goes at t = 2 s


def test_the_job_honours_the_configured_rate(runtime):
    for _ in range(4):
        add_member(runtime)
    import time

    started = time.monotonic()
    _, stats = run(runtime, SEVEN_DAYS_BEFORE, settings=replace(SETTINGS, rate=20))
    assert stats.sent == 4 and time.monotonic() - started >= 3 / 20


def test_targets_follow_the_calendar_in_eastern_time():
    kinds = [t.kind for t in targets_for(DUE - timedelta(minutes=1), SETTINGS)]
    assert "due_2d" in kinds
    kinds = [t.kind for t in targets_for(DUE + timedelta(minutes=1), SETTINGS)]
    assert "due_2d" not in kinds and "past_due_1d" not in kinds


def _set_enrollment(runtime, member, **values):
    with runtime.uow() as uow:
        enrollment = uow.session.scalars(
            select(AutopayEnrollment).where(AutopayEnrollment.account_id == member.account_id)
        ).one()
        for key, value in values.items():
            setattr(enrollment, key, value)


def test_autopay_set_up_on_its_draft_day_does_not_suppress_that_bills_due_reminder(runtime):
    member = add_member(runtime, autopay_day=21, last_draft="198.00")
    # Enrolled on 21 December, its draft day: the draft job starts with February's bill.
    _set_enrollment(runtime, member, first_month=first_drafted_month(date(2026, 12, 21), 21))
    sent, _ = run(runtime, TWO_DAYS_BEFORE)
    assert [s.to for s in sent.sent] == [member.phone]


def test_a_draft_paused_for_this_bill_does_not_suppress_its_due_reminder(runtime):
    member = add_member(runtime, autopay_day=21, last_draft="198.00")
    _set_enrollment(runtime, member, skip_month=date(2027, 1, 1))
    sent, _ = run(runtime, SEVEN_DAYS_BEFORE)
    assert [s.to for s in sent.sent] == [member.phone]


def test_a_draft_reg_e_holds_past_the_due_date_does_not_suppress_the_due_reminder(runtime):
    member = add_member(runtime, autopay_day=21, last_draft="198.00")
    with runtime.uow() as uow:
        uow.session.add(
            RegENotice(
                account_id=member.account_id,
                coverage_month=date(2027, 1, 1),
                sequence=0,
                amount=Decimal("150.00"),
                previous_amount=Decimal("198.00"),
                noticed_on=date(2026, 12, 16),
                draft_on=date(2026, 12, 28),
                created_at=SEVEN_DAYS_BEFORE,
            )
        )
    sent, _ = run(runtime, SEVEN_DAYS_BEFORE)
    assert [s.to for s in sent.sent] == [member.phone]
