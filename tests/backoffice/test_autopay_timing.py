"""AutoPay timing that never costs a member coverage because of our own notice rule (issue 16, B).

December 2026: the 1st is a Tuesday, the 23rd (due date of January's bill) a Wednesday, the 25th
and January 1st Fed holidays. The notice cut-off for January's bill is December 13."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from billing_core.autopay import autopay_status, change_autopay, pause_autopay, resume_autopay
from billing_core.autopay_schedule import notice_cutoff, pause_cutoff
from billing_core.backoffice.delinquency_job import run_delinquency
from billing_core.backoffice.drafts import plan_rege_notices, run_drafts
from billing_core.backoffice.letters import build_letter_batch, release_letter_batch
from billing_core.backoffice.models import AccountStanding, MemberNotification, RegENotice
from billing_core.bill_run import revise_invoice
from billing_core.models import Account, AutopayEnrollment, Invoice, Payment
from billing_core.payments import record_authorization
from ivr.letters import render_letter
from tests.backoffice.helpers import bill, eastern, make_member, mark_notices_sent, pay

JAN = date(2027, 1, 1)
FEB = date(2027, 2, 1)


def drafts_of(rt, number):
    with rt.uow() as uow:
        return [
            (p.effective_date, p.amount)
            for p in uow.session.scalars(
                select(Payment)
                .join(Account, Account.id == Payment.account_id)
                .where(Account.account_number == number, Payment.channel == "autopay")
                .order_by(Payment.id)
            )
        ]


def set_last_draft(rt, number, amount):
    with rt.uow() as uow:
        enrollment = uow.session.scalars(
            select(AutopayEnrollment)
            .join(Account, Account.id == AutopayEnrollment.account_id)
            .where(Account.account_number == number)
        ).one()
        enrollment.last_draft_amount = Decimal(amount)


def day_jobs(rt, day):
    plan_rege_notices(rt.uow, now=eastern(day, 6))
    run_drafts(rt.uow, now=eastern(day, 6))


def authorization(rt, number, day):
    with rt.uow() as uow:
        return record_authorization(
            uow,
            number,
            kind="autopay_change",
            channel="voice",
            reference="CA-test",
            script_version="t",
            script_text="change",
            consent_input="dtmf:1",
            now=eastern(day),
        )


def test_the_notice_cutoff_is_ten_days_before_the_last_banking_day_on_or_before_the_due_date():
    assert notice_cutoff(JAN) == date(2026, 12, 13)
    assert notice_cutoff(date(2027, 6, 1)) == date(2027, 5, 11)  # May 23 2027 is a Sunday


def test_a_partial_payment_on_the_21st_inside_the_elected_range_is_drafted_on_the_due_date(runtime):
    number, ref = make_member(runtime, autopay_day=23, notice_range=("0.01", "300.00"))
    set_last_draft(runtime, number, "300.00")
    bill(runtime, JAN)
    pay(runtime, number, ref, "100.00", eastern(date(2026, 12, 21), 11), "part")
    for day in (date(2026, 12, 21), date(2026, 12, 22), date(2026, 12, 23)):
        day_jobs(runtime, day)
    assert drafts_of(runtime, number) == [(date(2026, 12, 23), Decimal("200.00"))]
    with runtime.uow() as uow:
        assert uow.session.scalars(select(RegENotice)).all() == []
    run_delinquency(runtime.uow, now=eastern(date(2027, 1, 2), 7))
    with runtime.uow() as uow:
        assert uow.session.scalars(select(AccountStanding.state)).all() == ["current"]


def test_a_bill_raised_after_the_cutoff_drafts_the_last_amount_on_time_and_notices_the_rest(
    runtime,
):
    number, _ = make_member(runtime, autopay_day=23, sms=True)
    set_last_draft(runtime, number, "300.00")
    bill(runtime, JAN)
    with runtime.uow() as uow:
        inv = uow.session.scalars(select(Invoice)).one()
        revise_invoice(
            uow, inv.invoice_number, new_amount=Decimal("350.00"), now=eastern(date(2026, 12, 18))
        )
    day_jobs(runtime, date(2026, 12, 18))
    mark_notices_sent(runtime, eastern(date(2026, 12, 18), 10))
    with runtime.uow() as uow:
        notice = uow.session.scalars(select(RegENotice)).one()
    assert (notice.sequence, notice.amount, notice.draft_on) == (
        1,
        Decimal("50.00"),
        date(2026, 12, 28),
    )
    for day in (date(2026, 12, 23), date(2026, 12, 24), date(2026, 12, 28)):
        day_jobs(runtime, day)
    assert drafts_of(runtime, number) == [
        (date(2026, 12, 23), Decimal("300.00")),
        (date(2026, 12, 28), Decimal("50.00")),
    ]


def test_a_draft_held_past_the_due_date_by_its_notice_still_happens_the_next_month(runtime):
    number, ref = make_member(runtime, autopay_day=23, sms=True)
    set_last_draft(runtime, number, "300.00")
    bill(runtime, JAN)
    pay(runtime, number, ref, "100.00", eastern(date(2026, 12, 22), 11), "part")
    day_jobs(runtime, date(2026, 12, 22))
    mark_notices_sent(runtime, eastern(date(2026, 12, 22), 12))
    with runtime.uow() as uow:
        status = autopay_status(uow, number, now=eastern(date(2026, 12, 22), 13))
    assert (status.unpaid_month, status.unpaid_amount, status.unpaid_reason) == (
        JAN,
        Decimal("200.00"),
        "notice_after_cutoff",
    )
    assert status.drafts_resume_on == date(2027, 1, 4)
    day_jobs(runtime, date(2026, 12, 23))
    assert drafts_of(runtime, number) == []
    day_jobs(runtime, date(2027, 1, 4))  # January's job also drafts January's held bill
    assert drafts_of(runtime, number) == [(date(2027, 1, 4), Decimal("200.00"))]


def test_autopay_set_up_on_its_draft_day_says_this_bill_is_not_paid_and_when_drafts_start(runtime):
    number, _ = make_member(runtime, autopay_day=21, created=eastern(date(2026, 12, 21), 9))
    bill(runtime, JAN)
    day_jobs(runtime, date(2026, 12, 21))
    assert drafts_of(runtime, number) == []
    with runtime.uow() as uow:
        status = autopay_status(uow, number, now=eastern(date(2026, 12, 21), 10))
    assert status.next_draft_date is None  # never "next draft today"
    assert (status.unpaid_month, status.unpaid_amount, status.unpaid_due_date) == (
        JAN,
        Decimal("300.00"),
        date(2026, 12, 23),
    )
    assert (status.unpaid_reason, status.drafts_resume_on) == ("starts_later", date(2027, 1, 21))


def test_changing_the_draft_day_after_a_reg_e_notice_moves_the_draft(runtime):
    number, _ = make_member(runtime, autopay_day=5, premium="320.00", sms=True)
    set_last_draft(runtime, number, "300.00")
    bill(runtime, JAN)
    day_jobs(runtime, date(2026, 12, 1))
    mark_notices_sent(runtime, eastern(date(2026, 12, 1), 10))
    with runtime.uow() as uow:
        change_autopay(
            uow,
            number,
            authorization_id=authorization(runtime, number, date(2026, 12, 3)),
            draft_day=18,
            now=eastern(date(2026, 12, 3)),
        )
    day_jobs(runtime, date(2026, 12, 11))  # the date the notice announced
    assert drafts_of(runtime, number) == []
    day_jobs(runtime, date(2026, 12, 18))
    assert drafts_of(runtime, number) == [(date(2026, 12, 18), Decimal("320.00"))]


def test_a_draft_waits_until_its_notice_was_sent_not_merely_recorded(runtime):
    number, _ = make_member(runtime, autopay_day=5, premium="320.00", sms=True)
    set_last_draft(runtime, number, "300.00")
    bill(runtime, JAN)
    day_jobs(runtime, date(2026, 12, 1))
    day_jobs(runtime, date(2026, 12, 11))
    assert drafts_of(runtime, number) == []  # recorded, but Twilio never took the text
    mark_notices_sent(runtime, eastern(date(2026, 12, 3), 10))
    day_jobs(runtime, date(2026, 12, 11))
    assert drafts_of(runtime, number) == []
    day_jobs(runtime, date(2026, 12, 14))  # Dec 13 is a Sunday
    assert drafts_of(runtime, number) == [(date(2026, 12, 14), Decimal("320.00"))]


def test_a_letter_notice_is_a_pdf_in_a_batch_and_the_draft_waits_for_the_release(runtime, tmp_path):
    number, _ = make_member(runtime, autopay_day=5, premium="320.00", language="es")
    set_last_draft(runtime, number, "300.00")
    bill(runtime, JAN)
    day_jobs(runtime, date(2026, 12, 1))
    batch = build_letter_batch(
        runtime.uow, now=eastern(date(2026, 12, 2), 8), out_dir=tmp_path, render=render_letter
    )
    assert batch.letters == 1
    again = build_letter_batch(
        runtime.uow, now=eastern(date(2026, 12, 2), 9), out_dir=tmp_path, render=render_letter
    )
    assert again.letters == 0  # a notice is printed once
    rows = list(csv.DictReader((batch.directory / "manifest.csv").read_text().splitlines()))
    assert [(r["account_number"], r["kind"], r["language"]) for r in rows] == [
        (number, "rege_amount_change", "es")
    ]
    pdf = (batch.directory / rows[0]["file"]).read_bytes()
    assert pdf.startswith(b"%PDF-") and b"%%EOF" in pdf[-32:]
    day_jobs(runtime, date(2026, 12, 11))
    assert drafts_of(runtime, number) == []  # printed, not yet mailed
    with runtime.uow() as uow:
        assert release_letter_batch(uow, batch.batch_id, now=eastern(date(2026, 12, 11), 12)) == 1
        assert uow.session.scalar(select(MemberNotification.sent_at)) is not None
    day_jobs(runtime, date(2026, 12, 18))
    assert drafts_of(runtime, number) == []  # 10 days after the letter went out
    day_jobs(runtime, date(2026, 12, 21))
    assert drafts_of(runtime, number) == [(date(2026, 12, 21), Decimal("320.00"))]
    with runtime.uow() as uow:
        assert len(uow.session.scalars(select(RegENotice)).all()) == 1


def test_the_letter_text_comes_from_the_catalog_in_the_members_language():
    params = {"amount": "320.00", "previous_amount": "300.00", "draft_date": "2026-12-14"}
    text = render_letter(
        "rege_amount_change", params, "es", "Ana Pérez", "2000000001", date(2026, 12, 2)
    )
    assert "Estimado/a Ana Pérez" in text.body and "2000000001" in text.body
    assert "320,00" in text.body or "320.00" in text.body


def test_a_bill_raised_after_the_draft_is_collected_by_a_second_noticed_draft(runtime):
    number, _ = make_member(runtime, autopay_day=10, sms=True)
    set_last_draft(runtime, number, "300.00")
    bill(runtime, JAN)
    day_jobs(runtime, date(2026, 12, 10))
    with runtime.uow() as uow:
        inv = uow.session.scalars(select(Invoice)).one()
        revise_invoice(
            uow, inv.invoice_number, new_amount=Decimal("340.00"), now=eastern(date(2026, 12, 15))
        )
    day_jobs(runtime, date(2026, 12, 15))
    mark_notices_sent(runtime, eastern(date(2026, 12, 15), 10))
    day_jobs(runtime, date(2026, 12, 24))
    assert drafts_of(runtime, number) == [(date(2026, 12, 10), Decimal("300.00"))]
    day_jobs(runtime, date(2026, 12, 28))
    day_jobs(runtime, date(2026, 12, 29))
    assert drafts_of(runtime, number) == [
        (date(2026, 12, 10), Decimal("300.00")),
        (date(2026, 12, 28), Decimal("40.00")),
    ]


def test_a_pause_before_the_cutoff_skips_exactly_one_draft(runtime):
    number, _ = make_member(runtime, autopay_day=18)
    assert pause_cutoff(date(2026, 12, 18)) == date(2026, 12, 15)
    bill(runtime, JAN)
    with runtime.uow() as uow:
        status = pause_autopay(
            uow,
            number,
            authorization_id=authorization(runtime, number, date(2026, 12, 15)),
            now=eastern(date(2026, 12, 15), 17),
        )
    assert (status.status, status.paused_month) == ("paused", JAN)
    assert (status.unpaid_amount, status.drafts_resume_on) == (Decimal("300.00"), date(2027, 1, 15))
    day_jobs(runtime, date(2026, 12, 18))
    assert drafts_of(runtime, number) == []
    bill(runtime, FEB)
    day_jobs(runtime, date(2027, 1, 15))  # Jan 18 is Martin Luther King Day
    assert drafts_of(runtime, number) == [(date(2027, 1, 15), Decimal("300.00"))]


def test_a_pause_after_the_cutoff_lets_this_draft_go_and_skips_the_next(runtime):
    number, _ = make_member(runtime, autopay_day=18)
    bill(runtime, JAN)
    with runtime.uow() as uow:
        status = pause_autopay(
            uow,
            number,
            authorization_id=authorization(runtime, number, date(2026, 12, 16)),
            now=eastern(date(2026, 12, 16)),
        )
    assert status.paused_month == FEB
    day_jobs(runtime, date(2026, 12, 18))
    assert drafts_of(runtime, number) == [(date(2026, 12, 18), Decimal("300.00"))]
    bill(runtime, FEB)
    day_jobs(runtime, date(2027, 1, 15))
    assert len(drafts_of(runtime, number)) == 1


def test_resuming_after_the_skipped_draft_date_drafts_that_bill_on_the_next_run(runtime):
    number, _ = make_member(runtime, autopay_day=18)
    bill(runtime, JAN)
    auth = authorization(runtime, number, date(2026, 12, 10))
    with runtime.uow() as uow:
        pause_autopay(uow, number, authorization_id=auth, now=eastern(date(2026, 12, 10)))
    day_jobs(runtime, date(2026, 12, 18))
    with runtime.uow() as uow:
        assert (
            resume_autopay(
                uow, number, authorization_id=auth, now=eastern(date(2026, 12, 20))
            ).status
            == "active"
        )
    day_jobs(runtime, date(2026, 12, 21))
    assert drafts_of(runtime, number) == [(date(2026, 12, 21), Decimal("300.00"))]
