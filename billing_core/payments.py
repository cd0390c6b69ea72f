"""Authorizations and one-time payments (EFT, or card when the policy allows it).

The payment methods themselves (bank accounts, connector tokens, cards) are in
billing_core.payment_methods.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from billing_core import audit, errors
from billing_core.accounts import get_account
from billing_core.billing_calendar import eastern_date
from billing_core.ledger import ZERO, outstanding
from billing_core.models import Authorization, BankMethod, Payment
from billing_core.payment_methods import CARD, get_bank_method
from billing_core.types import CENT
from billing_core.unit_of_work import UnitOfWork

__all__ = [
    "SEC_BY_CHANNEL",
    "PaymentReceipt",
    "parse_amount",
    "record_authorization",
    "take_payment",
]

SEC_BY_CHANNEL = {"voice": "TEL", "web": "WEB", "sms": "WEB", "paper": "PPD", "mail": "PPD"}


@dataclass(frozen=True)
class PaymentReceipt:
    confirmation_number: str
    account_number: str
    amount: Decimal
    fee: Decimal
    status: str
    method: str
    effective_date: date
    last4: str | None


def parse_amount(amount: Decimal | str) -> Decimal:
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        raise errors.InvalidAmount() from None
    if not value.is_finite() or value <= 0 or value != value.quantize(CENT):
        raise errors.InvalidAmount()
    return value


def record_authorization(
    uow: UnitOfWork,
    account_number: str,
    *,
    kind: str,
    channel: str,
    reference: str,
    script_version: str,
    script_text: str,
    consent_input: str,
    now: datetime,
) -> int:
    """Keep the exact wording the member heard or read and how they agreed (kept 2 years)."""
    account = get_account(uow, account_number)
    auth = Authorization(
        account_id=account.id,
        kind=kind,
        channel=channel,
        reference=reference,
        script_version=script_version,
        script_text=script_text,
        consent_input=consent_input,
        created_at=now,
    )
    uow.session.add(auth)
    uow.session.flush()
    audit.record(
        uow.session,
        "authorized_" + kind,
        at=now,
        account_id=account.id,
        channel=channel,
        reference=reference,
        detail={"authorization_id": auth.id},
    )
    return auth.id


def _receipt(payment: Payment, account_number: str, last4: str | None) -> PaymentReceipt:
    return PaymentReceipt(
        confirmation_number=payment.confirmation_number,
        account_number=account_number,
        amount=payment.amount,
        fee=payment.fee,
        status=payment.status,
        method=payment.method,
        effective_date=payment.effective_date,
        last4=last4,
    )


def _new_confirmation_number(uow: UnitOfWork) -> str:
    while True:
        candidate = str(secrets.randbelow(9 * 10**9) + 10**9)
        if (
            uow.session.scalar(select(Payment.id).where(Payment.confirmation_number == candidate))
            is None
        ):
            return candidate


def take_payment(
    uow: UnitOfWork,
    account_number: str,
    *,
    amount: Decimal | str,
    channel: str,
    idempotency_key: str,
    authorization_id: int | None,
    now: datetime,
    bank_method_reference: str | None = None,
    reference: str | None = None,
) -> PaymentReceipt:
    """Post a one-time payment the same day as pending; return its confirmation number.

    The method is the member's bank account or, while the card policy is on, a card (which adds
    the flat convenience fee). Retrying with the same idempotency key returns the first result. The account row is locked
    (Postgres FOR UPDATE; SQLite's write lock is taken at BEGIN) so concurrent payments cannot
    together collect more than is owed.
    """
    value = parse_amount(amount)
    account = get_account(uow, account_number, for_update=True)
    earlier = uow.session.scalars(
        select(Payment).where(Payment.idempotency_key == idempotency_key)
    ).one_or_none()
    if earlier is not None:
        if earlier.account_id != account.id or earlier.amount != value:
            raise errors.IdempotencyConflict()
        bank = (
            uow.session.get(BankMethod, earlier.bank_method_id) if earlier.bank_method_id else None
        )
        return _receipt(earlier, account.account_number, bank.last4 if bank else None)

    if authorization_id is None or uow.session.get(Authorization, authorization_id) is None:
        raise errors.AuthorizationRequired()
    if not bank_method_reference:
        raise errors.PaymentMethodNotFound()
    bank = get_bank_method(uow, account, bank_method_reference, cards=True)
    method, fee = "eft", ZERO
    if bank.kind == CARD:
        if not uow.settings.card_payments_enabled:
            raise errors.CardPaymentsDisabled()
        method, fee = "card", uow.settings.card_convenience_fee

    owed = outstanding(uow.session, account.id)
    if owed <= 0:
        raise errors.NothingOwed()
    if value > owed or value > uow.settings.max_payment_amount:
        raise errors.AmountExceedsBalance(owed=min(owed, uow.settings.max_payment_amount))

    payment = Payment(
        confirmation_number=_new_confirmation_number(uow),
        idempotency_key=idempotency_key,
        account_id=account.id,
        amount=value,
        fee=fee,
        method=method,
        channel=channel,
        status="pending",
        sec_code=("CCD" if account.kind == "employer" else SEC_BY_CHANNEL.get(channel))
        if method == "eft"
        else None,
        payment_type="S" if method == "eft" else None,
        bank_method_id=bank.id,
        authorization_id=authorization_id,
        effective_date=eastern_date(now),
        created_at=now,
    )
    uow.session.add(payment)
    uow.session.flush()
    audit.record(
        uow.session,
        "payment_posted",
        at=now,
        account_id=account.id,
        channel=channel,
        reference=reference,
        detail={"confirmation_number": payment.confirmation_number, "amount": str(value)},
    )
    return _receipt(payment, account.account_number, bank.last4)
