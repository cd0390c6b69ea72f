"""Payment status, AutoPay pause and resume, and cancelling a payment, end to end: the real Rasa
server and action server over the session's database, by voice, text and chat, in English and
Spanish. Each test has a member of its own (tests/rasa/self_service_members.py)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from billing_core.autopay_pause import pause_plan
from billing_core.backoffice.business_days import is_business_day
from billing_core.backoffice.drafts import run_drafts
from billing_core.backoffice.models import MemberNotification
from billing_core.bill_run import run_bill_run
from billing_core.billing_calendar import add_months, bill_run_issued_at, eastern_date, utcnow
from billing_core.ledger import outstanding
from billing_core.models import Account, Authorization, AutopayEnrollment, Payment
from messages.render import render
from tests.backoffice.helpers import eastern
from tests.rasa.self_service_members import (
    Member,
    bank_returned,
    copy_of_database,
    cut_nacha_file,
    mailed_check,
    new_member,
    pay_by_phone,
)

pytestmark = [pytest.mark.rasa, pytest.mark.slow]

_ids = itertools.count()
YES = {"en": "yes", "es": "sí"}


def ids(payloads):
    return [p["msg"] for p in payloads]


class Conversation:
    """One conversation through the signed channel; every answer is also rendered in its language
    and channel, so a message id without wording or a missing parameter fails here."""

    def __init__(self, stack, member: Member, channel: str, locale: str = "en"):
        self.stack, self.member, self.channel, self.locale = stack, member, channel, locale
        self.sender = f"{channel}-self-service-{next(_ids)}"
        self.meta = {"channel": channel, "locale": locale}
        if channel == "sms":  # the gateway names the account of a phone verified on it
            self.meta.update(phone=member.phone, caller_account=member.number)

    def say(self, text: str) -> list[dict]:
        answer = self.stack.send(self.sender, text, **self.meta)
        for payload in answer:
            params = {k: v for k, v in payload.items() if k not in ("msg", "buttons")}
            assert render(payload["msg"], params, locale=self.locale, channel=self.channel)
        return answer

    def verify(self, first: str) -> list[dict]:
        """Asks `first`, gives the account number (unless the phone named it) and the ZIP code."""
        answer = self.say(first)
        if ids(answer) == ["ask_account_number"]:
            answer = self.say(self.member.number)
        assert ids(answer) == ["ask_zip_code"], answer
        return self.say(self.member.zip_code)


def today():
    return eastern_date(utcnow())


# --- payment status ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "locale", "question"),
    [("web", "en", "did my payment go through"), ("voice", "es", "ya se procesó mi pago")],
)
def test_a_pending_payment_after_the_general_rule_and_a_yes_to_look_it_up(
    rasa_stack, channel, locale, question
):
    member = new_member(rasa_stack, language=locale)
    pay_by_phone(rasa_stack, member, "240.00")
    talk = Conversation(rasa_stack, member, channel, locale)
    assert ids(talk.say(question)) == ["faq/payment_posting", "payment_status_offer_lookup"]
    assert ids(talk.say(YES[locale])) == ["ask_account_number"]
    assert ids(talk.say(member.number)) == ["ask_zip_code"]
    answer = talk.say(member.zip_code)
    assert ids(answer) == [
        "verified",
        "payment_status_scheduled",
        "payment_status_can_cancel",
        "anything_else",
    ]
    status = answer[1]
    assert (status["amount"], status["payment_channel"], status["payment_date"]) == (
        "240.00",
        "voice",
        today().isoformat(),
    )
    assert date.fromisoformat(status["final_date"]) > today()


def test_a_posted_check_by_text_from_the_members_own_phone(rasa_stack):
    member = new_member(rasa_stack)
    mailed_check(rasa_stack, member, "240.00", today() - timedelta(days=3))
    talk = Conversation(rasa_stack, member, "sms")
    assert ids(talk.say("did u get my check")) == [
        "faq/payment_posting",
        "payment_status_offer_lookup",
    ]
    assert ids(talk.say("yes")) == ["ask_zip_code"]  # the phone named the account
    answer = talk.say(member.zip_code)
    assert ids(answer) == ["verified", "payment_status_posted", "anything_else"]
    assert answer[1]["payment_channel"] == "mail"
    assert answer[1]["payment_date"] == today().isoformat()  # credited when it was imported


@pytest.mark.parametrize(("channel", "locale"), [("voice", "en"), ("web", "es")])
def test_a_returned_payment_says_why_and_when_it_is_tried_again(rasa_stack, channel, locale):
    member = new_member(rasa_stack, language=locale)
    confirmation = pay_by_phone(rasa_stack, member, "240.00")
    returned_on = bank_returned(rasa_stack, confirmation, "R01")
    talk = Conversation(rasa_stack, member, channel, locale)
    talk.verify("check my balance" if locale == "en" else "cuánto debo")
    question = "was my payment returned" if locale == "en" else "por qué me devolvieron el pago"
    answer = talk.say(question)  # verified now: the answer comes at once
    assert ids(answer) == ["payment_status_returned", "payment_next_retry", "anything_else"]
    assert answer[0]["return_reason"] == "insufficient_funds"
    assert answer[0]["returned_date"] == returned_on.isoformat()
    assert date.fromisoformat(answer[1]["retry_date"]) > returned_on


# --- AutoPay pause and resume ------------------------------------------------------------------


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


# --- cancelling a one-time payment -------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "locale", "ask"),
    [
        ("voice", "en", "cancel the payment i just made"),
        ("sms", "es", "quiero cancelar el pago que hice hoy"),
        ("web", "en", "i want to cancel a payment"),
    ],
)
def test_a_payment_not_yet_sent_is_cancelled_with_its_confirmation_number_read_back(
    rasa_stack, channel, locale, ask
):
    member = new_member(rasa_stack, language=locale)
    confirmation = pay_by_phone(rasa_stack, member, "120.00")
    talk = Conversation(rasa_stack, member, channel, locale)
    answer = talk.verify(ask)
    assert ids(answer) == ["verified", "payment_cancel_confirm"]
    assert answer[1]["confirmation_number"] == confirmation and answer[1]["amount"] == "120.00"
    done = talk.say(YES[locale])
    assert ids(done) == ["payment_cancel_done", "anything_else"]
    assert done[0]["confirmation_number"] == confirmation  # read back again once cancelled
    rt = rasa_stack.runtime()
    with rt.uow() as uow:
        payment = uow.session.scalars(
            select(Payment).where(Payment.confirmation_number == confirmation)
        ).one()
        assert payment.status == "cancelled"
        auth = uow.session.scalars(
            select(Authorization).where(
                Authorization.account_id == payment.account_id,
                Authorization.kind == "payment_cancel",
            )
        ).one()
        assert auth.channel == channel and auth.reference == f"{channel}:{talk.sender}"
    rt.engine.dispose()


@pytest.mark.parametrize(("channel", "locale"), [("voice", "en"), ("web", "es")])
def test_after_the_cutoff_the_member_is_told_and_offered_an_agent(
    rasa_stack, tmp_path, channel, locale
):
    member = new_member(rasa_stack, language=locale)
    confirmation = pay_by_phone(rasa_stack, member, "240.00")
    cut_nacha_file(rasa_stack, tmp_path)
    talk = Conversation(rasa_stack, member, channel, locale)
    answer = talk.verify("cancel my payment" if locale == "en" else "anular mi pago")
    assert ids(answer) == ["verified", "payment_cancel_too_late"]
    assert answer[1]["expect"] == "yes_no" and answer[1]["payment_date"] == today().isoformat()
    assert ids(talk.say(YES[locale]))[0] in ("transfer_to_agent", "agent_closed")
    rt = rasa_stack.runtime()
    with rt.uow() as uow:
        status = uow.session.scalar(
            select(Payment.status).where(Payment.confirmation_number == confirmation)
        )
    rt.engine.dispose()
    assert status == "pending"
