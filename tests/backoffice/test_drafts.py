"""AutoPay draft job and Reg E notices: behaviour on both SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import func, select

from billing_core.autopay import pause_autopay
from billing_core.backoffice.drafts import (
    plan_rege_notices,
    run_drafts,
    scheduled_draft_date,
)
from billing_core.backoffice.models import MemberNotification, RegENotice, RegEPreference
from billing_core.bill_run import revise_invoice
from billing_core.ledger import outstanding
from billing_core.models import Account, AutopayEnrollment, Invoice, Payment
from billing_core.payments import record_authorization
from tests.backoffice.helpers import bill, eastern, make_member, mark_notices_sent, pay

JAN = date(2027, 1, 1)


def drafts_of(rt, number):
    with rt.uow() as uow:
        return list(
            uow.session.scalars(
                select(Payment)
                .join(Account, Account.id == Payment.account_id)
                .where(Account.account_number == number, Payment.channel == "autopay")
            )
        )


def test_a_draft_day_on_a_saturday_drafts_on_the_friday_before(runtime):
    number, _ = make_member(runtime, autopay_day=5)
    bill(runtime, JAN)  # issued Dec 1 2026, due Dec 23
    run_drafts(runtime.uow, now=eastern(date(2026, 12, 3)))
    assert drafts_of(runtime, number) == []
    result = run_drafts(runtime.uow, now=eastern(date(2026, 12, 4)))
    [draft] = drafts_of(runtime, number)
    assert (draft.amount, draft.effective_date, draft.payment_type) == (
        Decimal("300.00"),
        date(2026, 12, 4),
        "R",
    )
    assert result.drafts == 1 and result.coverage_month == JAN


def test_a_first_of_the_month_on_a_weekend_drafts_on_the_next_banking_day():
    assert scheduled_draft_date(date(2027, 5, 1), 1) == date(2027, 5, 3)  # Sat -> Mon
    assert scheduled_draft_date(date(2027, 5, 1), 23) == date(2027, 5, 21)  # Sun -> Fri


def test_no_draft_is_created_on_a_bank_holiday_and_the_day_before_takes_it(runtime):
    number, _ = make_member(runtime, autopay_day=11)
    bill(runtime, date(2026, 12, 1))  # issued Nov 1
    holiday = run_drafts(runtime.uow, now=eastern(date(2026, 11, 11)))  # Veterans Day
    assert holiday.skipped_not_business_day
    assert scheduled_draft_date(date(2026, 11, 1), 11) == date(2026, 11, 10)
    run_drafts(runtime.uow, now=eastern(date(2026, 11, 10)))
    assert len(drafts_of(runtime, number)) == 1


def test_running_the_draft_job_twice_creates_one_draft(runtime):
    number, _ = make_member(runtime, autopay_day=4)
    bill(runtime, JAN)
    first = run_drafts(runtime.uow, now=eastern(date(2026, 12, 4)))
    second = run_drafts(runtime.uow, now=eastern(date(2026, 12, 4), 15))
    later = run_drafts(runtime.uow, now=eastern(date(2026, 12, 7)))
    assert (first.drafts, second.drafts, later.drafts) == (1, 0, 0)
    assert len(drafts_of(runtime, number)) == 1


def test_a_balance_already_paid_by_a_one_time_payment_is_not_drafted_again(runtime):
    paid, ref = make_member(runtime, autopay_day=10)
    partly, ref2 = make_member(runtime, autopay_day=10)
    bill(runtime, JAN)
    pay(runtime, paid, ref, "300.00", eastern(date(2026, 12, 2)), "k1")
    pay(runtime, partly, ref2, "120.00", eastern(date(2026, 12, 2)), "k2")
    run_drafts(runtime.uow, now=eastern(date(2026, 12, 10)))
    assert drafts_of(runtime, paid) == []
    [draft] = drafts_of(runtime, partly)
    assert draft.amount == Decimal("180.00")
    with runtime.uow() as uow:
        acct = uow.session.scalar(select(Account.id).where(Account.account_number == partly))
        assert outstanding(uow.session, acct) == Decimal("0.00")


def test_paused_and_cancelled_enrollments_draft_nothing(runtime):
    number, _ = make_member(runtime, autopay_day=7)
    bill(runtime, JAN)
    with runtime.uow() as uow:
        auth = record_authorization(
            uow,
            number,
            kind="autopay_change",
            channel="web",
            reference="r",
            script_version="t",
            script_text="pause",
            consent_input="click",
            now=eastern(date(2026, 12, 1)),
        )
        pause_autopay(uow, number, authorization_id=auth, now=eastern(date(2026, 12, 1)))
    run_drafts(runtime.uow, now=eastern(date(2026, 12, 7)))
    assert drafts_of(runtime, number) == []


def test_an_enrollment_made_after_its_draft_date_waits_for_next_month(runtime):
    number, _ = make_member(runtime, autopay_day=3, created=eastern(date(2026, 12, 8)))
    bill(runtime, JAN)
    run_drafts(runtime.uow, now=eastern(date(2026, 12, 9)))
    assert drafts_of(runtime, number) == []
    bill(runtime, date(2027, 2, 1))
    run_drafts(runtime.uow, now=eastern(date(2027, 1, 4)))  # Jan 3 is a Sunday
    assert [d.effective_date for d in drafts_of(runtime, number)] == [date(2027, 1, 4)]


def test_employer_and_phone_enrollments_get_ccd_and_tel_entries(runtime):
    employer, _ = make_member(runtime, autopay_day=4, kind="employer")
    caller, _ = make_member(runtime, autopay_day=4, channel="voice")
    bill(runtime, JAN)
    run_drafts(runtime.uow, now=eastern(date(2026, 12, 4)))
    assert drafts_of(runtime, employer)[0].sec_code == "CCD"
    assert drafts_of(runtime, caller)[0].sec_code == "TEL"


def _set_last_draft(rt, number, amount):
    with rt.uow() as uow:
        enrollment = uow.session.scalars(
            select(AutopayEnrollment)
            .join(Account, Account.id == AutopayEnrollment.account_id)
            .where(Account.account_number == number)
        ).one()
        enrollment.last_draft_amount = Decimal(amount)


def test_a_changed_amount_gets_a_reg_e_notice_ten_days_before_and_the_draft_waits(runtime):
    number, _ = make_member(runtime, autopay_day=5, premium="320.00", sms=True)
    _set_last_draft(runtime, number, "300.00")
    bill(runtime, JAN)
    plan = plan_rege_notices(runtime.uow, now=eastern(date(2026, 12, 1)))
    assert plan.notices == 1
    with runtime.uow() as uow:
        notice = uow.session.scalars(select(RegENotice)).one()
        assert (notice.amount, notice.previous_amount) == (Decimal("320.00"), Decimal("300.00"))
        assert notice.draft_on == date(2026, 12, 11)  # Dec 1 + 10 days, a Friday
        assert (notice.draft_on - notice.noticed_on).days >= 10
        outbox = uow.session.scalars(select(MemberNotification)).one()
        assert (outbox.kind, outbox.channel, outbox.params["amount"]) == (
            "rege_amount_change",
            "sms",
            "320.00",
        )
    assert plan_rege_notices(runtime.uow, now=eastern(date(2026, 12, 2))).notices == 0
    mark_notices_sent(runtime, eastern(date(2026, 12, 1), 10))  # Twilio accepted the text
    run_drafts(runtime.uow, now=eastern(date(2026, 12, 4)))  # the usual draft day
    assert drafts_of(runtime, number) == []
    run_drafts(runtime.uow, now=eastern(date(2026, 12, 11)))
    assert [d.amount for d in drafts_of(runtime, number)] == [Decimal("320.00")]
    with runtime.uow() as uow:
        assert uow.session.scalar(select(AutopayEnrollment.last_draft_amount)) == Decimal("320.00")


def test_a_changed_amount_inside_the_members_range_needs_no_notice(runtime):
    number, _ = make_member(runtime, autopay_day=5, premium="320.00")
    _set_last_draft(runtime, number, "300.00")
    with runtime.uow() as uow:
        acct = uow.session.scalar(select(Account.id).where(Account.account_number == number))
        uow.session.add(
            RegEPreference(
                account_id=acct, range_low=Decimal("250.00"), range_high=Decimal("350.00")
            )
        )
    bill(runtime, JAN)
    assert plan_rege_notices(runtime.uow, now=eastern(date(2026, 12, 1))).notices == 0
    run_drafts(runtime.uow, now=eastern(date(2026, 12, 4)))
    assert [d.amount for d in drafts_of(runtime, number)] == [Decimal("320.00")]


def test_a_revised_bill_after_the_notice_needs_a_new_notice(runtime):
    number, _ = make_member(runtime, autopay_day=20, premium="320.00", sms=True)
    _set_last_draft(runtime, number, "300.00")
    bill(runtime, JAN)
    plan_rege_notices(runtime.uow, now=eastern(date(2026, 12, 1)))
    with runtime.uow() as uow:
        inv = uow.session.scalars(select(Invoice)).one()
        revise_invoice(
            uow, inv.invoice_number, new_amount=Decimal("340.00"), now=eastern(date(2026, 12, 8))
        )
    assert plan_rege_notices(runtime.uow, now=eastern(date(2026, 12, 8))).notices == 1
    mark_notices_sent(runtime, eastern(date(2026, 12, 8), 10))
    run_drafts(runtime.uow, now=eastern(date(2026, 12, 18)))  # draft day 20 is a Sunday
    assert drafts_of(runtime, number)[0].amount == Decimal("340.00")


@pytest.mark.parametrize(
    ("instant", "run_date"),
    [
        # 23:30 on Monday Nov 2 in New York, the day after DST ended: already Tuesday in UTC.
        (datetime(2026, 11, 3, 4, 30, tzinfo=UTC), date(2026, 11, 2)),
        # 22:00 on Monday Nov 30: December in UTC, but still November's drafts in New York.
        (datetime(2026, 12, 1, 3, 0, tzinfo=UTC), date(2026, 11, 30)),
        # 00:30 EDT on Friday Jul 3 2026: the Fed is open (the holiday is Saturday's).
        (datetime(2026, 7, 3, 4, 30, tzinfo=UTC), date(2026, 7, 3)),
    ],
)
def test_the_run_date_is_the_eastern_date_across_dst_and_month_ends(runtime, instant, run_date):
    with time_machine.travel(instant, tick=False):
        result = run_drafts(runtime.uow, now=datetime.now(UTC))
    assert result.run_date == run_date
    assert not result.skipped_not_business_day


@pytest.mark.postgres
def test_parallel_draft_runners_on_postgres_never_draft_an_account_twice(postgres_url, tmp_path):
    from tests.conftest import make_runtime

    rt = make_runtime(postgres_url, tmp_path)
    numbers = [make_member(rt, autopay_day=4)[0] for _ in range(60)]
    bill(rt, JAN)
    results, errors = [], []

    def worker():
        try:
            results.append(run_drafts(rt.uow, now=eastern(date(2026, 12, 4)), chunk=7))
        except Exception as exc:  # pragma: no cover - the assertion below reports it
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(r.drafts for r in results) == len(numbers)
    with rt.uow() as uow:
        per_account = uow.session.execute(
            select(Payment.account_id, func.count()).group_by(Payment.account_id)
        ).all()
    assert len(per_account) == len(numbers) and {c for _, c in per_account} == {1}
    rt.engine.dispose()
