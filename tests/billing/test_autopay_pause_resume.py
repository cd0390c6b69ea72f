"""AutoPay pause for one draft and resume, as the conversations use them: the plan said before the
member agrees (which draft, its cut-off, a nearer draft it can no longer stop), the draft job
skipping exactly that month, and a written copy of each change.

December 2026: Tuesday the 1st; the draft day is the 18th (a Friday), so the cut-off is Tuesday
15 December; January 18 is Martin Luther King Day, so February's draft is Friday 15 January."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from billing_core import errors
from billing_core.autopay_pause import (
    AutopayNotPaused,
    PauseMonthMoved,
    pause_for_one_draft,
    pause_plan,
    resume_after_pause,
    resume_plan,
)
from billing_core.backoffice.drafts import run_drafts
from billing_core.backoffice.letters import build_letter_batch
from billing_core.backoffice.models import MemberNotification
from billing_core.models import Account, Payment
from billing_core.payments import record_authorization
from ivr.letters import render_letter
from tests.backoffice.helpers import bill, eastern, make_member, pay

JAN, FEB, MAR = date(2027, 1, 1), date(2027, 2, 1), date(2027, 3, 1)


def authorization(rt, number, at, kind="autopay_pause"):
    with rt.uow() as uow:
        return record_authorization(
            uow,
            number,
            kind=kind,
            channel="web",
            reference="web:test",
            script_version="t",
            script_text="pause",
            consent_input="web:said:yes",
            now=at,
        )


def plan(rt, number, at):
    with rt.uow() as uow:
        return pause_plan(uow, number, now=at)


def pause(rt, number, at, month):
    with rt.uow() as uow:
        return pause_for_one_draft(
            uow, number, skip_month=month, authorization_id=authorization(rt, number, at), now=at
        )


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


def notices(rt, number):
    with rt.uow() as uow:
        return [
            (n.kind, n.channel, n.params)
            for n in uow.session.scalars(
                select(MemberNotification)
                .join(Account, Account.id == MemberNotification.account_id)
                .where(Account.account_number == number)
                .order_by(MemberNotification.id)
            )
        ]


def test_on_the_cutoff_day_a_pause_skips_the_coming_draft_and_says_so(runtime):
    number, _ = make_member(runtime, autopay_day=18)
    bill(runtime, JAN)
    seen = plan(runtime, number, eastern(date(2026, 12, 15), 16))
    assert (seen.skip_month, seen.skip_draft_date, seen.cutoff_date) == (
        JAN,
        date(2026, 12, 18),
        date(2026, 12, 15),
    )
    assert (seen.due_date, seen.skip_amount, seen.resume_draft_date) == (
        date(2026, 12, 23),
        Decimal("300.00"),
        date(2027, 1, 15),
    )
    assert seen.missed_draft_date is None
    assert seen.bank_kind == "checking" and len(seen.last4) == 4


def test_after_the_cutoff_the_coming_draft_goes_ahead_and_the_next_one_is_skipped(runtime):
    number, _ = make_member(runtime, autopay_day=18)
    bill(runtime, JAN)
    seen = plan(runtime, number, eastern(date(2026, 12, 16), 9))
    assert (seen.missed_draft_date, seen.missed_reason, seen.missed_cutoff_date) == (
        date(2026, 12, 18),
        "past_cutoff",
        date(2026, 12, 15),
    )
    assert (seen.skip_month, seen.skip_draft_date, seen.skip_amount) == (
        FEB,
        date(2027, 1, 15),
        None,  # February's bill is not issued yet
    )
    run_drafts(runtime.uow, now=eastern(date(2026, 12, 18), 6))
    after = plan(runtime, number, eastern(date(2026, 12, 18), 9))
    assert (after.missed_reason, after.skip_month) == ("already_drafted", FEB)


def test_a_pause_skips_exactly_one_draft_then_drafts_resume_and_a_copy_is_written(runtime):
    number, ref = make_member(runtime, autopay_day=18, sms=True)
    bill(runtime, JAN)
    at = eastern(date(2026, 12, 10), 11)
    done = pause(runtime, number, at, JAN)
    assert done.skip_draft_date == date(2026, 12, 18)
    run_drafts(runtime.uow, now=eastern(date(2026, 12, 18), 6))
    assert drafts_of(runtime, number) == []  # January's draft is skipped
    pay(runtime, number, ref, "300.00", eastern(date(2026, 12, 21), 10), "paid-it-myself")
    bill(runtime, FEB)
    run_drafts(runtime.uow, now=eastern(date(2027, 1, 15), 6))
    assert drafts_of(runtime, number) == [(date(2027, 1, 15), Decimal("300.00"))]
    bill(runtime, MAR)
    run_drafts(runtime.uow, now=eastern(date(2027, 2, 18), 6))
    assert drafts_of(runtime, number)[1:] == [(date(2027, 2, 18), Decimal("300.00"))]
    assert notices(runtime, number)[0] == (
        "autopay_paused_copy",
        "sms",  # the member opted in to texts; otherwise a letter
        {
            "authorized_date": "2026-12-10",
            "skip_draft_date": "2026-12-18",
            "due_date": "2026-12-23",
            "resume_draft_date": "2027-01-15",
        },
    )


def test_a_pause_whose_cutoff_passed_while_the_member_listened_changes_nothing(runtime):
    number, _ = make_member(runtime, autopay_day=18)
    bill(runtime, JAN)
    told = plan(runtime, number, eastern(date(2026, 12, 15), 23, 59))
    with pytest.raises(PauseMonthMoved):
        pause(runtime, number, eastern(date(2026, 12, 16), 0, 1), told.skip_month)
    run_drafts(runtime.uow, now=eastern(date(2026, 12, 18), 6))
    assert drafts_of(runtime, number) == [(date(2026, 12, 18), Decimal("300.00"))]
    assert notices(runtime, number) == []


def test_resuming_drafts_the_skipped_bill_after_all_with_a_written_copy(runtime):
    number, _ = make_member(runtime, autopay_day=18)
    bill(runtime, JAN)
    pause(runtime, number, eastern(date(2026, 12, 10), 11), JAN)
    at = eastern(date(2026, 12, 11), 9)
    with runtime.uow() as uow:
        assert resume_plan(uow, number, now=at).due_date == date(2026, 12, 23)
    with runtime.uow() as uow:
        status = resume_after_pause(
            uow,
            number,
            authorization_id=authorization(runtime, number, at, "autopay_resume"),
            now=at,
        )
    assert status.status == "active" and status.next_draft_date == date(2026, 12, 18)
    run_drafts(runtime.uow, now=eastern(date(2026, 12, 18), 6))
    assert drafts_of(runtime, number) == [(date(2026, 12, 18), Decimal("300.00"))]
    kinds = [(kind, params.get("due_date")) for kind, _, params in notices(runtime, number)]
    assert kinds == [("autopay_paused_copy", "2026-12-23"), ("autopay_resumed_copy", "2026-12-23")]
    assert notices(runtime, number)[1][1] == "mail"  # no texts: the copy goes by letter


def test_resuming_autopay_that_is_not_paused_is_refused(runtime):
    number, _ = make_member(runtime, autopay_day=18)
    at = eastern(date(2026, 12, 10), 11)
    with runtime.uow() as uow:
        assert resume_plan(uow, number, now=at) is None
    with runtime.uow() as uow, pytest.raises(AutopayNotPaused):
        resume_after_pause(uow, number, authorization_id=authorization(runtime, number, at), now=at)


def test_a_member_without_autopay_has_nothing_to_pause(runtime):
    number, _ = make_member(runtime)
    with runtime.uow() as uow, pytest.raises(errors.AutopayNotEnrolled):
        pause_plan(uow, number, now=eastern(date(2026, 12, 10)))


def test_a_member_without_texts_gets_the_pause_copy_as_a_letter_in_their_language(
    runtime, tmp_path
):
    number, _ = make_member(runtime, autopay_day=18, language="es")
    bill(runtime, JAN)
    pause(runtime, number, eastern(date(2026, 12, 10), 11), JAN)
    batch = build_letter_batch(
        runtime.uow, now=eastern(date(2026, 12, 11), 8), out_dir=tmp_path, render=render_letter
    )
    assert batch.letters == 1
    manifest = (batch.directory / "manifest.csv").read_text()
    assert "autopay_paused_copy" in manifest and number in manifest
    text = render_letter(
        "autopay_paused_copy",
        notices(runtime, number)[0][2],
        "es",
        "Ana Pérez",
        number,
        date(2026, 12, 11),
    ).body
    assert "18 de diciembre de 2026" in text and "23 de diciembre de 2026" in text
    assert "15 de enero de 2027" in text and "Estimado/a Ana Pérez" in text
