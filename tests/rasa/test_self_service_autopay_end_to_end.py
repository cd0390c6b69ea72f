"""AutoPay pause and resume end to end: the real Rasa server and action server, then the draft job
run day by day on a copy of the database into the future: the paused month is not drafted, the
next one is. Voice in English, chat in Spanish; each test has a member of its own."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from billing_core.autopay_pause import pause_plan
from billing_core.backoffice.business_days import is_business_day
from billing_core.backoffice.drafts import run_drafts
from billing_core.backoffice.models import MemberNotification
from billing_core.bill_run import run_bill_run
from billing_core.billing_calendar import add_months, bill_run_issued_at, utcnow
from billing_core.ledger import outstanding
from billing_core.models import Account, Authorization, AutopayEnrollment, Payment
from tests.backoffice.helpers import eastern
from tests.rasa.self_service_members import (
    YES,
    Conversation,
    Member,
    copy_of_database,
    ids,
    new_member,
    today,
)

pytestmark = [pytest.mark.rasa, pytest.mark.slow]


def drafted_months(rt, number: str) -> list[tuple[date, date]]:
    """(coverage month, draft date) of each AutoPay draft of the account."""
    with rt.uow() as uow:
        payments = uow.session.scalars(
            select(Payment)
            .join(Account, Account.id == Payment.account_id)
            .where(Account.account_number == number, Payment.channel == "autopay")
            .order_by(Payment.id)
        ).all()
        return [
            (date.fromisoformat(p.idempotency_key.split(":")[2] + "-01"), p.effective_date)
            for p in payments
        ]


def run_the_draft_job_until(rt, member: Member, skip_date: date, skip_month: date, end: date):
    """The daily draft job on every banking day from today to `end`. The member pays the skipped
    bill themselves the day after its draft would have been made, as they were told to; the bill
    after it is issued then."""
    for coverage in (add_months(skip_month, -1), skip_month):
        with rt.uow() as uow:
            run_bill_run(uow, coverage, now=bill_run_issued_at(coverage))
    day, paid = today(), False
    while day <= end:
        if day > skip_date and not paid:
            with rt.uow() as uow:
                account_id = uow.session.scalar(
                    select(Account.id).where(Account.account_number == member.number)
                )
                owed = outstanding(uow.session, account_id)
            if owed > 0:
                mailed_check_into(rt, account_id, owed, day)
            following = add_months(skip_month, 1)
            with rt.uow() as uow:
                run_bill_run(uow, following, now=bill_run_issued_at(following))
            paid = True
        if is_business_day(day):
            run_drafts(rt.uow, now=eastern(day, 6))
        day += timedelta(days=1)


def mailed_check_into(rt, account_id: int, amount, day: date) -> None:
    with rt.uow() as uow:
        uow.session.add(
            Payment(
                confirmation_number=f"6{account_id:09d}",
                idempotency_key=f"ext:mail:skipped-{account_id}",
                account_id=account_id,
                amount=amount,
                method="check",
                channel="mail",
                status="settled",
                effective_date=day,
                created_at=eastern(day, 12),
            )
        )


@pytest.mark.parametrize(
    ("channel", "locale", "pause", "resume"),
    [
        ("voice", "en", "i need to skip autopay this month", "turn autopay back on"),
        ("web", "es", "quiero pausar mi pago automático", "reanudar el pago automático"),
    ],
)
def test_pause_then_the_draft_job_skips_exactly_that_month_then_resume(
    rasa_stack, tmp_path, channel, locale, pause, resume
):
    member = new_member(rasa_stack, language=locale, autopay_day=12)
    stack_rt = rasa_stack.runtime()
    talk = Conversation(rasa_stack, member, channel, locale)
    answer = talk.verify(pause)
    with stack_rt.uow() as uow:
        plan = pause_plan(uow, member.number, now=utcnow())
    confirm = answer[-1]
    assert ids(answer)[0] == "verified" and confirm["msg"].startswith("autopay_pause_confirm")
    assert (confirm["skip_draft_date"], confirm["cutoff_date"], confirm["due_date"]) == (
        plan.skip_draft_date.isoformat(),
        plan.cutoff_date.isoformat(),
        plan.due_date.isoformat(),
    )
    assert date.fromisoformat(confirm["cutoff_date"]) >= today()  # said before the cut-off
    if plan.missed_reason:  # a nearer draft is past its cut-off: said first
        assert ids(answer)[1] == f"autopay_pause_missed_{plan.missed_reason.split('_')[-1]}"
    done = talk.say(YES[locale])
    assert ids(done) == ["autopay_paused_done", "anything_else"]
    assert done[0]["resume_draft_date"] == plan.resume_draft_date.isoformat()
    with stack_rt.uow() as uow:
        account = uow.session.scalars(
            select(Account).where(Account.account_number == member.number)
        ).one()
        enrollment = uow.session.scalars(
            select(AutopayEnrollment).where(AutopayEnrollment.account_id == account.id)
        ).one()
        assert enrollment.skip_month == plan.skip_month
        kinds = [
            (n.kind, n.channel)
            for n in uow.session.scalars(
                select(MemberNotification).where(MemberNotification.account_id == account.id)
            )
        ]
        # After the enrollment's own copy, the pause's written copy, by text (texts are on).
        assert kinds == [("autopay_written_copy", "sms"), ("autopay_paused_copy", "sms")]
        auth = uow.session.scalars(
            select(Authorization).where(
                Authorization.account_id == account.id, Authorization.kind == "autopay_pause"
            )
        ).one()
        assert auth.channel == channel and auth.consent_input.startswith(f"{channel}:")

    future = copy_of_database(rasa_stack, tmp_path / "future.sqlite3")
    run_the_draft_job_until(
        future, member, plan.skip_draft_date, plan.skip_month, plan.resume_draft_date
    )
    drafted = drafted_months(future, member.number)
    future.engine.dispose()
    assert plan.skip_month not in [m for m, _ in drafted]  # the paused month: no draft
    assert drafted[-1] == (add_months(plan.skip_month, 1), plan.resume_draft_date)
    assert len(drafted) == len({m for m, _ in drafted})  # one draft a month

    assert ids(talk.say(resume)) == ["autopay_resume_confirm"]
    back = talk.say(YES[locale])
    assert ids(back)[0].startswith("autopay_resumed") and ids(back)[-1] == "anything_else"
    with stack_rt.uow() as uow:
        enrollment = uow.session.get(AutopayEnrollment, enrollment.id)
        assert enrollment.skip_month is None
        copies = uow.session.scalars(
            select(MemberNotification.kind).where(MemberNotification.account_id == account.id)
        ).all()
        assert copies[1:] == ["autopay_paused_copy", "autopay_resumed_copy"]
    stack_rt.engine.dispose()
