"""Builders for back-office tests: members with coverage, a bank account, and optional AutoPay."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time
from decimal import Decimal

from billing_core.autopay import enroll_autopay
from billing_core.bill_run import run_bill_run
from billing_core.billing_calendar import EASTERN, bill_run_issued_at
from billing_core.models import Account, ContactPhone, Coverage, Enrollee
from billing_core.payment_methods import add_bank_method, add_card, add_tokenized_bank_method
from billing_core.payments import record_authorization, take_payment
from billing_core.runtime import BillingRuntime

_numbers = itertools.count(2000000001)
BANK_NUMBERS = itertools.count(4455667788)


def eastern(d: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime.combine(d, time(hour, minute), tzinfo=EASTERN).astimezone(UTC)


def make_member(
    rt: BillingRuntime,
    *,
    premium: str = "300.00",
    start_month: date = date(2026, 1, 1),
    subsidized: bool = False,
    kind: str = "household",
    language: str = "en",
    sms: bool = False,
    autopay_day: int | None = None,
    channel: str = "web",
    created: datetime | None = None,
    notice_range: tuple[str, str] | None = None,
) -> tuple[str, str]:
    """Returns (account number, bank method reference)."""
    created = created or datetime(2025, 12, 1, tzinfo=UTC)
    number = str(next(_numbers))
    with rt.uow() as uow:
        account = Account(
            account_number=number,
            kind=kind,
            name="Ana Pérez" if language == "es" else "Pat Member",
            zip_code="02108",
            date_of_birth=date(1980, 1, 1) if kind == "household" else None,
            language=language,
            created_at=created,
        )
        uow.session.add(account)
        uow.session.flush()
        enrollee = Enrollee(
            account_id=account.id, name=account.name, date_of_birth=date(1980, 1, 1)
        )
        uow.session.add(enrollee)
        uow.session.flush()
        uow.session.add(
            Coverage(
                enrollee_id=enrollee.id,
                account_id=account.id,
                line="health",
                plan_name="Silver",
                monthly_premium=Decimal(premium),
                subsidized=subsidized,
                start_month=start_month,
            )
        )
        if sms:
            uow.session.add(
                ContactPhone(
                    account_id=account.id,
                    number=f"+1617555{number[-4:]}",
                    verified=True,
                    sms_opt_in=True,
                )
            )
        ref = add_bank_method(
            uow,
            number,
            routing_number="011000015",
            bank_account_number=str(next(BANK_NUMBERS)),
            kind="checking",
            channel=channel,
            now=created,
        ).reference
        if autopay_day is not None:
            auth = record_authorization(
                uow,
                number,
                kind="autopay_enroll",
                channel=channel,
                reference="test",
                script_version="t1",
                script_text="I authorize recurring debits.",
                consent_input="dtmf:1",
                now=created,
            )
            enroll_autopay(
                uow,
                number,
                bank_method_reference=ref,
                draft_day=autopay_day,
                authorization_id=auth,
                now=created,
                **({"notice_range": notice_range} if notice_range else {}),
            )
    return number, ref


def bill(rt: BillingRuntime, month: date) -> int:
    with rt.uow() as uow:
        return run_bill_run(uow, month, now=bill_run_issued_at(month))


def pay(rt: BillingRuntime, number: str, ref: str, amount: str, at: datetime, key: str) -> str:
    with rt.uow() as uow:
        auth = record_authorization(
            uow,
            number,
            kind="one_time_debit",
            channel="voice",
            reference=key,
            script_version="t1",
            script_text="one debit",
            consent_input="speech:yes",
            now=at,
        )
        return take_payment(
            uow,
            number,
            amount=amount,
            channel="voice",
            idempotency_key=key,
            authorization_id=auth,
            now=at,
            bank_method_reference=ref,
        ).confirmation_number


_ADDED = datetime(2025, 12, 1, tzinfo=UTC)
TOKENIZED = {"connector": "Default", "channel": "voice", "reference": "CA-test"}


def add_tokenized(rt: BillingRuntime, number: str, token: str, last4: str = "6789") -> str:
    """A bank account a Twilio <Pay> connector tokenized; returns its reference."""
    with rt.uow() as uow:
        return add_tokenized_bank_method(
            uow, number, token=token, kind="checking", last4=last4, now=_ADDED, **TOKENIZED
        ).reference


def add_card_for(rt: BillingRuntime, number: str, token: str, last4: str) -> str:
    """A card a Twilio <Pay> connector tokenized (the card policy must be on); its reference."""
    with rt.uow() as uow:
        return add_card(uow, number, token=token, last4=last4, now=_ADDED, **TOKENIZED).reference


def mark_notices_sent(rt: BillingRuntime, at: datetime) -> int:
    """Stand in for the SMS side: Twilio accepted every unsent text notice at `at` (the SMS job
    calls the same `mark_sent`). Letters are sent only by releasing their batch."""
    from sqlalchemy import select

    from billing_core.backoffice.models import MemberNotification
    from billing_core.backoffice.notifications import mark_sent

    with rt.uow() as uow:
        ids = list(
            uow.session.scalars(
                select(MemberNotification.id).where(
                    MemberNotification.channel == "sms", MemberNotification.sent_at.is_(None)
                )
            )
        )
        mark_sent(uow.session, ids, at)
    return len(ids)
