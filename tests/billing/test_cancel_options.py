"""What a member is offered to cancel: their own pending one-time payments not yet sent (newest
first), or the newest one already sent, which can no longer be cancelled; never a draft."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from billing_core import errors
from billing_core.backoffice.drafts import run_drafts
from billing_core.backoffice.nacha import run_origination
from billing_core.cancellable_payments import cancel_options
from billing_core.cancellation import cancel_payment
from tests.backoffice.helpers import bill, eastern, make_member, pay

JAN = date(2027, 1, 1)
MORNING = eastern(date(2026, 12, 2), 9)


def options(rt, number, at=MORNING):
    with rt.uow() as uow:
        return cancel_options(uow, number, now=at)


def test_pending_payments_are_offered_newest_first_and_others_never(runtime):
    number, _ = make_member(runtime, start_month=JAN, autopay_day=2)
    other, other_ref = make_member(runtime, start_month=JAN)
    bill(runtime, JAN)
    run_drafts(runtime.uow, now=eastern(date(2026, 12, 2), 6))  # 300.00 drafted, nothing owed
    with runtime.uow() as uow:  # the draft is not one of them
        assert cancel_options(uow, number, now=MORNING).cancellable == ()
    pay(runtime, other, other_ref, "50.00", MORNING, "theirs")
    assert options(runtime, number).cancellable == ()


def test_two_pending_payments_then_one_cancelled_then_the_file_is_cut(runtime, tmp_path):
    number, ref = make_member(runtime, start_month=JAN)
    bill(runtime, JAN)
    first = pay(runtime, number, ref, "100.00", eastern(date(2026, 12, 2), 9), "opt-1")
    second = pay(runtime, number, ref, "50.00", eastern(date(2026, 12, 2), 10), "opt-2")
    seen = options(runtime, number, eastern(date(2026, 12, 2), 11))
    assert [p.confirmation_number for p in seen.cancellable] == [second, first]
    assert seen.cancellable[0].amount == Decimal("50.00") and seen.cancellable[0].method == "eft"
    assert seen.already_sent is None
    with runtime.uow() as uow:
        cancel_payment(uow, number, second, channel="sms", now=eastern(date(2026, 12, 2), 11))
    assert [p.confirmation_number for p in options(runtime, number).cancellable] == [first]
    run_origination(
        runtime.uow,
        now=eastern(date(2026, 12, 2), 17),
        file_date=date(2026, 12, 2),
        out_dir=tmp_path,
    )
    seen = options(runtime, number, eastern(date(2026, 12, 2), 18))
    assert seen.cancellable == ()
    assert seen.already_sent.confirmation_number == first
    with runtime.uow() as uow, pytest.raises(errors.PaymentAlreadySent):
        cancel_payment(uow, number, first, channel="voice", now=eastern(date(2026, 12, 2), 18))
    # Weeks later that old payment is no longer what "cancel my payment" is about.
    assert options(runtime, number, eastern(date(2026, 12, 30), 9)).already_sent is None
