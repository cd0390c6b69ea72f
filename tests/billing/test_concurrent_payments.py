"""Many callers paying the same bill at the same moment, on PostgreSQL with real row locks."""

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from billing_core import errors
from billing_core.balances import get_balance
from billing_core.models import Payment
from billing_core.payments import take_payment
from tests.billing.factories import bank_and_consent, bill, make_account
from tests.conftest import make_runtime

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_member(postgres_url, tmp_path, now):
    rt = make_runtime(postgres_url, tmp_path)
    number = make_account(rt, premiums=("200.00", "25.50"), now=now)
    bill(rt, date(2026, 12, 1), date(2027, 1, 1))  # 451.00 owed
    ref, auth_id = bank_and_consent(rt, number, now=now)
    yield rt, number, ref, auth_id
    rt.engine.dispose()


def test_concurrent_payments_never_collect_more_than_is_owed_and_none_is_lost(pg_member, now):
    rt, number, ref, auth_id = pg_member

    def attempt(i: int):
        try:
            with rt.uow() as uow:
                return take_payment(
                    uow,
                    number,
                    amount="50.00",
                    channel="voice",
                    idempotency_key=f"caller-{i}",
                    authorization_id=auth_id,
                    bank_method_reference=ref,
                    now=now,
                )
        except errors.AmountExceedsBalance:
            return None

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(attempt, range(24)))
    receipts = [r for r in results if r is not None]
    assert len(receipts) == 9  # 9 x 50.00 = 450.00 <= 451.00; the 10th would over-collect
    with rt.uow() as uow:
        stored = uow.session.scalars(select(Payment.confirmation_number)).all()
        total = uow.session.scalar(select(func.sum(Payment.amount)))
        assert sorted(stored) == sorted(r.confirmation_number for r in receipts)
        assert total == Decimal("450.00")
        assert get_balance(uow, number, now=now).amount_due == Decimal("1.00")


def test_the_same_request_delivered_many_times_at_once_takes_one_payment(pg_member, now):
    rt, number, ref, auth_id = pg_member

    def attempt(_: int):
        with rt.uow() as uow:
            return take_payment(
                uow,
                number,
                amount="451.00",
                channel="voice",
                idempotency_key="CA-dup-turn-7",
                authorization_id=auth_id,
                bank_method_reference=ref,
                now=now,
            )

    with ThreadPoolExecutor(max_workers=8) as pool:
        receipts = list(pool.map(attempt, range(8)))
    assert len({r.confirmation_number for r in receipts}) == 1
    with rt.uow() as uow:
        assert uow.session.scalar(select(func.count(Payment.id))) == 1
