"""Builders for test data through the real models and the real bill run."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from billing_core.bill_run import run_bill_run
from billing_core.billing_calendar import bill_run_issued_at
from billing_core.models import Account, ContactPhone, Coverage, Enrollee
from billing_core.payment_methods import add_bank_method
from billing_core.payments import record_authorization
from billing_core.runtime import BillingRuntime

ROUTING = "021000021"
BANK_ACCOUNT = "987654321012"


def make_account(
    rt: BillingRuntime,
    number: str = "1000000099",
    *,
    premiums: tuple[str, ...] = ("200.00",),
    subsidized: bool = False,
    kind: str = "household",
    start: date = date(2026, 10, 1),
    phone: str | None = "+16175550199",
    now: datetime,
) -> str:
    with rt.uow() as uow:
        account = Account(
            account_number=number,
            kind=kind,
            name="Test Member",
            zip_code="02108",
            date_of_birth=date(1980, 5, 17),
            language="en",
            created_at=now,
        )
        uow.session.add(account)
        uow.session.flush()
        if phone:
            uow.session.add(
                ContactPhone(account_id=account.id, number=phone, verified=True, sms_opt_in=True)
            )
        person = Enrollee(
            account_id=account.id, name="Test Member", date_of_birth=date(1980, 5, 17)
        )
        uow.session.add(person)
        uow.session.flush()
        for i, premium in enumerate(premiums):
            uow.session.add(
                Coverage(
                    enrollee_id=person.id,
                    account_id=account.id,
                    line="health" if i == 0 else "dental",
                    plan_name=f"Plan {i}",
                    monthly_premium=Decimal(premium),
                    subsidized=subsidized,
                    start_month=start,
                )
            )
    return number


def bill(rt: BillingRuntime, *months: date) -> None:
    for month in months:
        with rt.uow() as uow:
            run_bill_run(uow, month, now=bill_run_issued_at(month))


def bank_and_consent(
    rt: BillingRuntime, number: str, *, now: datetime, kind: str = "one_time_debit"
) -> tuple[str, int]:
    with rt.uow() as uow:
        ref = add_bank_method(
            uow,
            number,
            routing_number=ROUTING,
            bank_account_number=BANK_ACCOUNT,
            kind="checking",
            channel="voice",
            reference="CA123",
            now=now,
        )
        auth_id = record_authorization(
            uow,
            number,
            kind=kind,
            channel="voice",
            reference="CA123",
            script_version="test",
            script_text="You authorize...",
            consent_input="speech:yes",
            now=now,
        )
    return ref.reference, auth_id
