"""Back-office notices by text: the back office decides who and when, the SMS side sends each once."""

from __future__ import annotations

import re
import threading
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from billing_core.backoffice.drafts import plan_rege_notices, run_drafts
from billing_core.backoffice.models import MemberNotification
from billing_core.backoffice.nacha import parse_file, run_origination
from billing_core.backoffice.notifications import KINDS, OutboxNotifier
from billing_core.backoffice.return_items import read_return_file
from billing_core.backoffice.returns import apply_returns
from billing_core.models import Account, ContactPhone
from ivr.sms import consent
from ivr.sms.gsm import is_gsm7, segments
from ivr.sms.models import SmsMessage, SmsNotice, SmsReminder
from ivr.sms.notice_texts import TEXTS, message_id
from ivr.sms.notices import run_notices, run_sms_jobs
from ivr.sms.reminder_settings import ReminderSettings
from ivr.sms.transport import SmsRejected
from messages.render import render
from tests.backoffice.helpers import bill, make_member
from tests.backoffice.return_files import ReturnSpec, build_return_file
from tests.conftest import make_runtime
from tests.sms.conftest import RecordingTransport, SimulatedCrash, add_member
from tests.sms.test_concurrent_runners import SharedTransport
from tests.sms.test_reminders import eastern

SETTINGS = ReminderSettings(rate=0)
RETURN_DAY = date(2026, 12, 8)
MORNING = eastern(2026, 12, 8, 10)  # Tuesday 8 December 2026, 10 AM Eastern
JAN = date(2027, 1, 1)


def notify(runtime, member, kind="payment_returned", params=None, on=RETURN_DAY, key=None):
    """Record a notice the way the back-office jobs do (OutboxNotifier, channel by consent)."""
    params = params or {"amount": "198.00", "confirmation_number": "8000000001", "last4": "1234"}
    with runtime.uow() as uow:
        account = uow.session.get(Account, member.account_id)
        OutboxNotifier(uow.session, MORNING).notify(
            account, kind, params, dedupe_key=key or f"test:{member.account_id}:{kind}", on=on
        )


def notifications(runtime):
    with runtime.uow() as uow:
        return uow.session.scalars(select(MemberNotification).order_by(MemberNotification.id)).all()


def ledger(runtime):
    with runtime.uow() as uow:
        return uow.session.scalars(select(SmsNotice).order_by(SmsNotice.id)).all()


def send(runtime, at=MORNING, transport=None, settings=SETTINGS):
    transport = transport or RecordingTransport()
    stats = run_notices(runtime, transport, settings=settings, now=at)
    return transport, stats


# --- the texts -------------------------------------------------------------------------------------


def test_every_back_office_notice_kind_has_a_text():
    assert set(TEXTS) == set(KINDS)


LONG = {
    "amount": "12345.67",
    "previous_amount": "12345.67",
    "confirmation_number": "260112345678901",
    "last4": "6789",
    "date": "2027-09-30",
    "draft_date": "2027-09-30",
    "grace_ends": "2027-09-30",
    "coverage_ends": "2027-09-30",
    "reinstate_by": "2027-11-30",
    "past_due_amount": "12345.67",
    "authorized_date": "2027-09-30",
    "draft_day": 23,
    "line": "dental",
    "skip_draft_date": "2027-09-30",
    "due_date": "2027-09-30",
    "resume_draft_date": "2027-10-29",
}


@pytest.mark.parametrize("locale", ["en", "es"])
@pytest.mark.parametrize("kind", sorted(TEXTS))
def test_every_notice_text_fits_one_gsm7_segment_and_ends_with_stop(kind, locale):
    text = render(message_id(kind), TEXTS[kind].params(LONG), locale=locale, channel="sms")
    assert is_gsm7(text), text
    assert segments(text) == 1, (len(text), text)
    assert text.endswith("Reply STOP to opt out." if locale == "en" else "STOP para cancelar.")
    assert "{" not in text and "6789" not in text  # no account digits of any kind


# --- delivery --------------------------------------------------------------------------------------


def _returned_member(runtime, tmp_path, **member):
    """A real return: AutoPay draft, NACHA file, R01 return file applied by the back office."""
    number, _ = make_member(runtime, autopay_day=4, **member)
    bill(runtime, JAN)
    run_drafts(runtime.uow, now=eastern(2026, 12, 4, 6))
    res = run_origination(
        runtime.uow, now=eastern(2026, 12, 4, 15), file_date=date(2026, 12, 4), out_dir=tmp_path
    )
    parsed = parse_file(res.path.read_text())
    text = build_return_file([ReturnSpec(parsed.entries[0], "R01", "")], created_at=MORNING)
    apply_returns(
        runtime.uow,
        read_return_file(text, received_on=RETURN_DAY),
        now=eastern(2026, 12, 8, 7),
        source="RET.ach",
    )
    return number


def test_a_return_notice_reaches_an_opted_in_member_in_spanish(runtime, tmp_path):
    _returned_member(runtime, tmp_path, language="es", sms=True)
    transport, stats = send(runtime)
    assert stats.ledgered == {"payment_returned": 1, "retry_scheduled": 1} and stats.sent == 2
    bodies = [s.body for s in transport.sent]
    assert bodies == [
        "Health Connector: su pago de $300.00 fue devuelto por su banco. Pague otra vez en "
        "MAhealthconnector.org o al 1-877-623-6765. Responda STOP para cancelar.",
        "Health Connector: volveremos a cobrar su pago devuelto de $300.00 el 11 de diciembre de "
        "2026. Tenga los fondos en su cuenta. Responda STOP para cancelar.",
    ]
    for body in bodies:  # no bank or account number, only the phone number and the amount
        assert not re.search(r"\d{5,}", body.replace("1-877-623-6765", "")), body
    assert all(n.sent_at is not None for n in notifications(runtime))
    with runtime.uow() as uow:
        purposes = Counter(uow.session.scalars(select(SmsMessage.purpose)))
    assert purposes == Counter({"notice": 2})
    assert send(runtime, MORNING + timedelta(hours=2))[0].sent == []  # once


def test_an_opted_out_member_gets_no_notice_and_the_notice_goes_by_letter(runtime):
    stopped = add_member(runtime)
    never = add_member(runtime, opted_in=False)
    unverified = add_member(runtime, verified=False)
    for member in (stopped, never, unverified):
        notify(runtime, member)
    with runtime.uow() as uow:  # STOP after the back office chose the sms channel
        consent.opt_out(uow, stopped.phone, source="STOP", now=MORNING)
    transport, stats = send(runtime)
    assert transport.sent == [] and stats.sent == 0
    rows = notifications(runtime)
    assert [n.channel for n in rows] == ["mail", "mail", "mail"]  # not lost: a letter instead
    assert all(n.sent_at is None for n in rows)


def test_a_stop_between_ledger_and_send_is_honoured(runtime):
    member = add_member(runtime)
    notify(runtime, member)
    late = eastern(2026, 12, 8, 6)  # before 8 AM: ledgered, not sent
    _, stats = send(runtime, late)
    assert stats.ledgered == {"payment_returned": 1} and stats.deferred == 1
    with runtime.uow() as uow:
        consent.opt_out(uow, member.phone, source="STOP", now=late)
    transport, stats = send(runtime)
    assert transport.sent == [] and stats.skipped_opted_out == 1
    assert [r.status for r in ledger(runtime)] == ["skipped"]
    assert notifications(runtime)[0].channel == "mail"


def test_quiet_hours_in_the_members_time_zone_defer_the_notice(runtime):
    west = add_member(runtime, timezone="America/Los_Angeles")
    east = add_member(runtime)
    notify(runtime, west)
    notify(runtime, east)
    transport, stats = send(runtime, eastern(2026, 12, 8, 10, 30))  # 7:30 AM in California
    assert [s.to for s in transport.sent] == [east.phone] and stats.deferred == 1
    transport, stats = send(runtime, eastern(2026, 12, 8, 21, 30))  # 9:30 PM E, 6:30 PM P
    assert [s.to for s in transport.sent] == [west.phone] and stats.deferred == 0


def test_nothing_goes_out_at_night(runtime):
    notify(runtime, add_member(runtime))
    transport, stats = send(runtime, eastern(2026, 12, 8, 21, 0))
    assert transport.sent == [] and stats.deferred == 1
    assert notifications(runtime)[0].sent_at is None


def test_a_notice_not_yet_due_waits_for_its_send_date(runtime):
    notify(runtime, add_member(runtime), on=RETURN_DAY + timedelta(days=1))
    transport, stats = send(runtime)
    assert transport.sent == [] and stats.ledgered == {}
    assert len(send(runtime, MORNING + timedelta(days=1))[0].sent) == 1


def test_a_rerun_after_a_crash_sends_each_notice_once(runtime):
    members = [add_member(runtime) for _ in range(3)]
    for m in members:
        notify(runtime, m)
    # the second text reached "Twilio" but the runner died before recording it
    transport = RecordingTransport(crash_at=2, crash_with=SimulatedCrash(), crash_after_accept=True)
    with pytest.raises(SimulatedCrash):
        send(runtime, transport=transport)
    transport.crash_at = None
    _, stats = send(runtime, MORNING + timedelta(minutes=1), transport)  # inside the lease
    assert stats.sent == 0 and len(transport.sent) == 2
    _, stats = send(runtime, MORNING + SETTINGS.lease + timedelta(minutes=1), transport)
    assert stats.reconciled == 1 and stats.sent == 1
    assert Counter(s.to for s in transport.sent) == Counter({m.phone: 1 for m in members})
    assert {r.status for r in ledger(runtime)} == {"sent"}
    assert all(n.sent_at is not None for n in notifications(runtime))
    with runtime.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(SmsMessage)) == 3


def test_a_crash_before_the_text_left_resends_it_after_the_lease(runtime):
    member = add_member(runtime)
    notify(runtime, member)
    transport = RecordingTransport(crash_at=1, crash_with=SimulatedCrash())
    with pytest.raises(SimulatedCrash):
        send(runtime, transport=transport)
    assert transport.sent == [] and [r.status for r in ledger(runtime)] == ["sending"]
    transport.crash_at = None
    _, stats = send(runtime, MORNING + SETTINGS.lease + timedelta(minutes=1), transport)
    assert stats.sent == 1 and [s.to for s in transport.sent] == [member.phone]


def test_error_21610_opts_the_number_out_and_the_notice_goes_by_letter(runtime):
    member = add_member(runtime)
    notify(runtime, member)
    transport = RecordingTransport(crash_at=1, crash_with=SmsRejected(21610, "unsubscribed"))
    _, stats = send(runtime, transport=transport)
    assert stats.failed == 1
    with runtime.uow() as uow:
        assert consent.is_opted_out(uow, member.phone)
        assert uow.session.get(ContactPhone, member.phone_id).opted_out_at is not None
    assert notifications(runtime)[0].channel == "mail"


def test_without_amounts_in_texts_amount_notices_go_by_letter(runtime):
    member = add_member(runtime)
    notify(runtime, member)  # payment_returned: the amount is the point
    notify(runtime, member, "autopay_suspended", {"reason": "account_closed", "last4": "1234"})
    transport, _ = send(runtime, settings=replace(SETTINGS, include_amounts=False))
    assert len(transport.sent) == 1 and transport.sent[0].body.startswith(
        "Health Connector: AutoPay is stopped"
    )
    assert [n.channel for n in notifications(runtime)] == ["mail", "sms"]


def test_a_notice_missing_a_date_its_text_needs_goes_by_letter(runtime):
    member = add_member(runtime)
    notify(runtime, member, "coverage_terminated", {"reinstate_by": "2027-01-30"})
    transport, stats = send(runtime)
    assert transport.sent == [] and stats.to_mail == 1


def test_a_notice_that_could_not_go_in_its_window_expires_unsent(runtime):
    notify(runtime, add_member(runtime))
    transport, stats = send(runtime, MORNING + timedelta(days=SETTINGS.notice_window_days))
    assert transport.sent == [] and stats.expired == 1
    assert notifications(runtime)[0].sent_at is None


def test_the_delivery_status_callback_is_recorded_like_a_reminders(runtime, post_signed):
    notify(runtime, add_member(runtime))
    send(runtime)
    (row,) = ledger(runtime)
    for state in ("delivered", "sent"):  # out of order, as Twilio does
        response = post_signed(
            "/sms/status", {"MessageSid": row.message_sid, "MessageStatus": state}
        )
        assert response.status_code == 204
    with runtime.uow() as uow:
        message = uow.session.scalars(select(SmsMessage)).one()
    assert (message.status, message.purpose, message.dedupe_key) == (
        "delivered",
        "notice",
        f"notice:{row.id}",
    )


# --- Reg E: one source of truth ----------------------------------------------------------------


def test_a_reg_e_notice_flows_from_the_back_office_to_exactly_one_text(runtime):
    changed = add_member(runtime, premium="215.00", autopay_day=21, last_draft="198.00")
    same = add_member(runtime, premium="198.00", autopay_day=21, last_draft="198.00")
    es = add_member(runtime, premium="215.00", autopay_day=21, last_draft="198.00", language="es")
    transport = RecordingTransport()
    day = date(2026, 12, 1)
    while day <= date(2026, 12, 26):  # every daily run of both jobs through the due date
        plan_rege_notices(runtime.uow, now=eastern(day.year, day.month, day.day, 6))
        run_drafts(runtime.uow, now=eastern(day.year, day.month, day.day, 6))
        run_sms_jobs(
            runtime, transport, settings=SETTINGS, now=eastern(day.year, day.month, day.day, 10)
        )
        day += timedelta(days=1)
    texts = Counter(s.to for s in transport.sent)
    assert texts == Counter({changed.phone: 1, es.phone: 1}) and same.phone not in texts
    by_phone = {s.to: s.body for s in transport.sent}
    assert by_phone[changed.phone] == (
        "Health Connector: your AutoPay amount changes from $198.00 to $215.00, drafted on "
        "December 21, 2026. Questions? 1-877-623-6765. Reply STOP to opt out."
    )
    assert by_phone[es.phone].startswith(
        "Health Connector: su AutoPay cambia de $198.00 a $215.00, a cobrar el 21 de diciembre"
    )
    with runtime.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(SmsReminder)) == 0
        assert [r.kind for r in uow.session.scalars(select(SmsNotice))] == [
            "rege_amount_change"
        ] * 2
    assert {(n.kind, n.sent_at.date()) for n in notifications(runtime)} == {
        ("rege_amount_change", date(2026, 12, 1))
    }


# --- several runners on PostgreSQL ----------------------------------------------------------------


@pytest.mark.postgres
def test_two_concurrent_runners_on_postgres_send_each_notice_once(postgres_url, tmp_path):
    runtime = make_runtime(postgres_url, tmp_path)
    members = [add_member(runtime) for _ in range(120)]
    for m in members:
        notify(runtime, m)
        notify(runtime, m, "coverage_reinstated", {})
    transport = SharedTransport()
    settings = ReminderSettings(rate=0, batch_size=10)
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def runner() -> None:
        try:
            barrier.wait()
            run_notices(runtime, transport, settings=settings, now=MORNING)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert transport.sent == Counter({m.phone: 2 for m in members})
    with runtime.uow() as uow:
        statuses = Counter(uow.session.scalars(select(SmsNotice.status)))
        claimed_by = set(uow.session.scalars(select(SmsNotice.claimed_by)))
        unsent = uow.session.scalar(
            select(func.count())
            .select_from(MemberNotification)
            .where(MemberNotification.sent_at.is_(None))
        )
        per_notice = Counter(uow.session.scalars(select(SmsMessage.dedupe_key)))
    assert statuses == Counter({"sent": 240}) and unsent == 0
    assert len(per_notice) == 240 and set(per_notice.values()) == {1}
    assert len(claimed_by) == 2  # both runners did part of the work
    runtime.engine.dispose()


def test_a_reg_e_ledger_row_keeps_the_draft_date_and_the_text(runtime):
    member = add_member(runtime)
    notify(
        runtime,
        member,
        "rege_amount_change",
        {"amount": "215.00", "previous_amount": "198.00", "draft_date": "2026-12-21"},
    )
    send(runtime, eastern(2026, 12, 8, 10))
    (row,) = ledger(runtime)
    assert row.event_date == date(2026, 12, 21) and "$215.00" in row.body
    assert Decimal("215.00") == Decimal(str(notifications(runtime)[0].params["amount"]))


def test_a_past_due_warning_is_not_texted_when_the_past_due_reminder_already_was(runtime):
    from tests.sms.test_reminders import DAY_AFTER
    from tests.sms.test_reminders import run as run_reminders

    late = add_member(runtime, premium="250.00")
    other = add_member(runtime, premium="250.00")
    texted, _ = run_reminders(runtime, DAY_AFTER)
    assert len(texted.sent) == 2
    with runtime.uow() as uow:  # this member's reminder never went: no past-due text yet
        uow.session.query(SmsReminder).filter(SmsReminder.account_id == other.account_id).update(
            {"status": "expired"}
        )
    for member in (late, other):
        notify(
            runtime,
            member,
            "past_due_warning",
            {"missed_month": JAN.isoformat()},
            on=DAY_AFTER.date(),
        )
    transport, stats = send(runtime, at=DAY_AFTER)
    assert stats.covered_by_reminder == 1
    assert [sms.to for sms in transport.sent] == [other.phone]
    assert all(n.sent_at is not None for n in notifications(runtime))
