"""Payment methods: bank accounts (keyed, encrypted) and payment-connector tokens (bank accounts
and, while the card policy is on, cards). Only an opaque reference, the kind and the last 4 digits
ever leave this module."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from stdnum.us import rtn

from billing_core import audit, errors
from billing_core.accounts import get_account, normalize_digits
from billing_core.models import Account, BankMethod
from billing_core.unit_of_work import UnitOfWork

TOKEN_MAX_LENGTH = 500
CARD = "card"


@dataclass(frozen=True)
class BankMethodRef:
    """What may travel to Rasa and back: an opaque reference, the kind and the last 4 digits."""

    reference: str
    kind: str
    last4: str


def validate_routing_number(routing_number: str) -> str:
    digits = normalize_digits(routing_number)
    if len(digits) != 9 or not rtn.is_valid(digits):
        raise errors.InvalidRoutingNumber()
    return digits


def validate_bank_account_number(number: str) -> str:
    digits = normalize_digits(number)
    if number.strip() != digits or not 4 <= len(digits) <= 17:
        raise errors.InvalidBankAccountNumber()
    return digits


def add_bank_method(
    uow: UnitOfWork,
    account_number: str,
    *,
    routing_number: str,
    bank_account_number: str,
    kind: str,
    channel: str,
    reference: str | None = None,
    now: datetime,
) -> BankMethodRef:
    """Store a bank account encrypted; return only its opaque reference and last 4."""
    if kind not in ("checking", "savings"):
        raise errors.BillingError("Say checking or savings.")
    routing = validate_routing_number(routing_number)
    number = validate_bank_account_number(bank_account_number)
    account = get_account(uow, account_number)
    method = BankMethod(
        reference="bm_" + secrets.token_urlsafe(12),
        account_id=account.id,
        kind=kind,
        routing_number=routing,
        account_number_encrypted=uow.cipher.encrypt(number),
        last4=number[-4:],
        created_at=now,
    )
    uow.session.add(method)
    audit.record(
        uow.session,
        "bank_method_added",
        at=now,
        account_id=account.id,
        channel=channel,
        reference=reference,
        detail={"last4": method.last4},
    )
    uow.session.flush()
    return BankMethodRef(method.reference, method.kind, method.last4)


def _add_tokenized(
    uow: UnitOfWork,
    account_number: str,
    *,
    token: str,
    connector: str,
    kind: str,
    last4: str,
    routing_number: str | None,
    channel: str,
    reference: str | None,
    now: datetime,
) -> BankMethodRef:
    token = (token or "").strip()
    if not token or len(token) > TOKEN_MAX_LENGTH or not connector:
        raise errors.PaymentMethodNotFound()
    if len(last4) != 4 or not last4.isdigit():
        raise errors.InvalidBankAccountNumber()
    routing = validate_routing_number(routing_number) if routing_number else None
    account = get_account(uow, account_number)
    method = BankMethod(
        reference="bm_" + secrets.token_urlsafe(12),
        account_id=account.id,
        kind=kind,
        routing_number=routing,
        processor_token_encrypted=uow.cipher.encrypt(token),
        connector=connector[:60],
        last4=last4,
        created_at=now,
    )
    uow.session.add(method)
    action = "card_added" if kind == CARD else "bank_method_added"
    audit.record(
        uow.session,
        action,
        at=now,
        account_id=account.id,
        channel=channel,
        reference=reference,
        detail={"last4": last4, "connector": connector},
    )
    uow.session.flush()
    return BankMethodRef(method.reference, method.kind, method.last4)


def add_tokenized_bank_method(
    uow: UnitOfWork,
    account_number: str,
    *,
    token: str,
    connector: str,
    kind: str,
    last4: str,
    routing_number: str | None = None,
    channel: str,
    reference: str | None = None,
    now: datetime,
) -> BankMethodRef:
    """Store a bank account a payment connector tokenized (Twilio <Pay>): the processor holds the
    numbers, we keep its token encrypted, the kind and the last 4 the member hears."""
    if kind not in ("checking", "savings"):
        raise errors.BillingError("Say checking or savings.")
    return _add_tokenized(
        uow,
        account_number,
        token=token,
        connector=connector,
        kind=kind,
        last4=last4,
        routing_number=routing_number,
        channel=channel,
        reference=reference,
        now=now,
    )


def add_card(
    uow: UnitOfWork,
    account_number: str,
    *,
    token: str,
    connector: str,
    last4: str,
    channel: str,
    reference: str | None = None,
    now: datetime,
) -> BankMethodRef:
    """Store a debit or credit card a payment connector tokenized, only while the card policy is
    on. It is a payment method of kind "card": usable for one-time payments (with the convenience
    fee), never for AutoPay and never in a NACHA file."""
    if not uow.settings.card_payments_enabled:
        raise errors.CardPaymentsDisabled()
    return _add_tokenized(
        uow,
        account_number,
        token=token,
        connector=connector,
        kind=CARD,
        last4=last4,
        routing_number=None,
        channel=channel,
        reference=reference,
        now=now,
    )


def list_bank_methods(
    uow: UnitOfWork, account_number: str, *, include_cards: bool = False
) -> list[BankMethodRef]:
    """The account's payment methods, newest first: bank accounts, and cards if asked for."""
    account = get_account(uow, account_number)
    stmt = select(BankMethod).where(BankMethod.account_id == account.id)
    if not include_cards:
        stmt = stmt.where(BankMethod.kind != CARD)
    methods = uow.session.scalars(stmt.order_by(BankMethod.id.desc()))
    return [BankMethodRef(m.reference, m.kind, m.last4) for m in methods]


def get_bank_method(
    uow: UnitOfWork, account: Account, reference: str, *, cards: bool = False
) -> BankMethod:
    """The account's payment method by reference; a card only where `cards` (one-time payments)."""
    method = uow.session.scalars(
        select(BankMethod).where(
            BankMethod.reference == reference, BankMethod.account_id == account.id
        )
    ).one_or_none()
    if method is None or (method.kind == CARD and not cards):
        raise errors.PaymentMethodNotFound()
    return method
