"""Cancelling a pending one-time payment: allowed until its NACHA file is cut or the processor job
claims it, then refused with a typed error; audited; the balance comes back."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from billing_core import errors
from billing_core.backoffice.nacha import parse_file, run_origination
from billing_core.backoffice.processor import DebitAnswer, run_processor_debits
from billing_core.balances import get_balance
from billing_core.cancellation import cancel_payment
from billing_core.models import AuditEvent, Payment
from tests.backoffice.helpers import add_tokenized, bill, eastern, make_member, pay

PAID_AT = eastern(date(2026, 12, 2), 10)


@pytest.fixture
def member(runtime):
    number, ref = make_member(runtime, premium="300.00", start_month=date(2027, 1, 1))
    bill(runtime, date(2027, 1, 1))
    return number, ref


def _cancel(runtime, number, confirmation, at=PAID_AT):
    with runtime.uow() as uow:
        return cancel_payment(uow, number, confirmation, channel="voice", reference="CA1", now=at)


def test_a_pending_one_time_payment_is_cancelled_before_its_file_is_cut_and_never_originated(
    runtime, member, tmp_path
):
    number, ref = member
    confirmation = pay(runtime, number, ref, "300.00", PAID_AT, "one")
    receipt = _cancel(runtime, number, confirmation)
    assert receipt.status == "cancelled" and receipt.amount == Decimal("300.00")
    assert _cancel(runtime, number, confirmation).status == "cancelled"  # twice: same answer
    with runtime.uow() as uow:
        assert get_balance(uow, number, now=PAID_AT).amount_due == Decimal("300.00")
        audits = uow.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "payment_cancelled")
        ).all()
        assert [a.detail["confirmation_number"] for a in audits] == [confirmation]
    res = run_origination(
        runtime.uow,
        now=eastern(date(2026, 12, 2), 17),
        file_date=date(2026, 12, 2),
        out_dir=tmp_path,
    )
    assert res.path is None  # nothing left to originate


def test_cancelling_after_the_nacha_file_is_cut_is_refused_with_a_typed_error(
    runtime, member, tmp_path
):
    number, ref = member
    confirmation = pay(runtime, number, ref, "300.00", PAID_AT, "one")
    res = run_origination(
        runtime.uow,
        now=eastern(date(2026, 12, 2), 17),
        file_date=date(2026, 12, 2),
        out_dir=tmp_path,
    )
    assert len(parse_file(res.path.read_text()).entries) == 1
    with pytest.raises(errors.PaymentAlreadySent) as refused:
        _cancel(runtime, number, confirmation)
    assert "can no longer be cancelled" in str(refused.value)
    with runtime.uow() as uow:
        status = uow.session.scalar(
            select(Payment.status).where(Payment.confirmation_number == confirmation)
        )
        assert status == "pending"
        assert get_balance(uow, number, now=PAID_AT).amount_due == Decimal("0.00")


class AcceptingProcessor:
    """The processor's network is the edge: it accepts every debit."""

    connector = "Default"

    def debit(self, request):
        return DebitAnswer("accepted", "ch_1")


def test_cancelling_after_the_processor_job_claimed_the_payment_is_refused(runtime, member):
    number, _ = member
    token_ref = add_tokenized(runtime, number, "btok_cancel")
    confirmation = pay(runtime, number, token_ref, "120.00", PAID_AT, "tok")
    run_processor_debits(runtime.uow, AcceptingProcessor(), now=eastern(date(2026, 12, 2), 18))
    with pytest.raises(errors.PaymentAlreadySent):
        _cancel(runtime, number, confirmation)


def test_an_autopay_draft_or_another_accounts_payment_cannot_be_cancelled_here(runtime, member):
    from billing_core.backoffice.drafts import run_drafts

    number, _ = member
    other, other_ref = make_member(runtime, premium="300.00", start_month=date(2027, 1, 1))
    auto, _ = make_member(runtime, premium="80.00", start_month=date(2027, 1, 1), autopay_day=4)
    bill(runtime, date(2027, 1, 1))
    theirs = pay(runtime, other, other_ref, "10.00", PAID_AT, "theirs")
    with pytest.raises(errors.PaymentNotFound):
        _cancel(runtime, number, theirs)
    run_drafts(runtime.uow, now=eastern(date(2026, 12, 4), 6))
    with runtime.uow() as uow:
        draft = uow.session.scalars(select(Payment).where(Payment.channel == "autopay")).one()
        drafted = draft.confirmation_number
    with pytest.raises(errors.PaymentNotCancellable):
        _cancel(runtime, auto, drafted)
