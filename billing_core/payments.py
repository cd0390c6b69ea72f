"""Bank methods, authorizations and one-time payments (EFT, or card when the policy allows it)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from stdnum.us import rtn

from billing_core import errors
from billing_core.accounts import get_account, normalize_digits
from billing_core.billing_calendar import eastern_date
from billing_core.ledger import ZERO, outstanding
from billing_core.models import Account, AuditEvent, Authorization, BankMethod, Payment
from billing_core.types import CENT
from billing_core.unit_of_work import UnitOfWork

SEC_BY_CHANNEL = {"voice": "TEL", "web": "WEB", "sms": "WEB", "paper": "PPD", "mail": "PPD"}


@dataclass(frozen=True)
class BankMethodRef:
    """What may travel to Rasa and back: an opaque reference, the kind and the last 4 digits."""

    reference: str
    kind: str
    last4: str


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


def parse_amount(amount: Decimal | str) -> Decimal:
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        raise errors.InvalidAmount() from None
    if not value.is_finite() or value <= 0 or value != value.quantize(CENT):
        raise errors.InvalidAmount()
    return value


def _audit(
    uow: UnitOfWork,
    account: Account,
    channel: str,
    reference: str | None,
    action: str,
    now: datetime,
    **detail: object,
) -> None:
    uow.session.add(
        AuditEvent(
            at=now,
            account_id=account.id,
            channel=channel,
            reference=reference,
            action=action,
            detail=detail,
        )
    )


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
    _audit(uow, account, channel, reference, "bank_method_added", now, last4=method.last4)
    uow.session.flush()
    return BankMethodRef(method.reference, method.kind, method.last4)


TOKEN_MAX_LENGTH = 500
CARD = "card"


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
    _audit(uow, account, channel, reference, action, now, last4=last4, connector=connector)
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
    _audit(uow, account, channel, reference, "authorized_" + kind, now, authorization_id=auth.id)
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
    _audit(
        uow,
        account,
        channel,
        reference,
        "payment_posted",
        now,
        confirmation_number=payment.confirmation_number,
        amount=str(value),
    )
    return _receipt(payment, account.account_number, bank.last4)
