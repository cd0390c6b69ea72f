"""Finding accounts and verifying callers (account number plus ZIP code or date of birth, with lockout)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select

from billing_core import audit, errors
from billing_core.models import Account, ContactPhone, Invoice, VerificationAttempt
from billing_core.unit_of_work import UnitOfWork

LOCK_AFTER_FAILURES = 3
LOCK_WINDOW = timedelta(minutes=15)
LOCK_DURATION = timedelta(minutes=15)
# One web client (an address, perhaps a whole office behind NAT) may fail more often than one
# account, caller ID or conversation before it is locked out too.
CLIENT_LOCK_AFTER_FAILURES = 10


@dataclass(frozen=True)
class AccountSummary:
    account_number: str
    name: str
    kind: str
    language: str
    last4: str  # last 4 of the account number, to say back to a caller

    @classmethod
    def of(cls, account: Account) -> AccountSummary:
        return cls(
            account_number=account.account_number,
            name=account.name,
            kind=account.kind,
            language=account.language,
            last4=account.account_number[-4:],
        )


def normalize_digits(value: str | None) -> str:
    return "".join(ch for ch in (value or "") if ch.isdigit())


def get_account(uow: UnitOfWork, account_number: str, for_update: bool = False) -> Account:
    stmt = select(Account).where(Account.account_number == normalize_digits(account_number))
    if for_update:
        stmt = stmt.with_for_update()
    account = uow.session.scalars(stmt).one_or_none()
    if account is None:
        raise errors.AccountNotFound()
    return account


def locate_account(
    uow: UnitOfWork, *, account_number: str | None = None, invoice_number: str | None = None
) -> AccountSummary:
    """Find an account by its number, or by the number of any of its bills (guest payment)."""
    if account_number:
        return AccountSummary.of(get_account(uow, account_number))
    if invoice_number:
        invoice = uow.session.scalars(
            select(Invoice).where(Invoice.invoice_number == normalize_digits(invoice_number))
        ).one_or_none()
        if invoice is None:
            raise errors.InvoiceNotFound()
        return AccountSummary.of(uow.session.get_one(Account, invoice.account_id))
    raise errors.AccountNotFound()


def account_for_caller_id(uow: UnitOfWork, phone: str | None) -> str | None:
    """The account number whose verified phone matches caller ID, when exactly one does."""
    if not phone:
        return None
    numbers = uow.session.scalars(
        select(Account.account_number)
        .join(ContactPhone, ContactPhone.account_id == Account.id)
        .where(ContactPhone.number == phone, ContactPhone.verified.is_(True))
    ).all()
    return numbers[0] if len(set(numbers)) == 1 else None


def phone_is_verified_for(uow: UnitOfWork, phone: str, account_number: str) -> bool:
    return (
        uow.session.scalars(
            select(ContactPhone.id)
            .join(Account, ContactPhone.account_id == Account.id)
            .where(
                ContactPhone.number == phone,
                ContactPhone.verified.is_(True),
                Account.account_number == normalize_digits(account_number),
            )
        ).first()
        is not None
    )


def _locked_until(
    failures: list[datetime], now: datetime, limit: int = LOCK_AFTER_FAILURES
) -> datetime | None:
    """`limit` failures inside any 15-minute window lock for 15 minutes from the last of them."""
    failures = sorted(failures)
    for i in range(len(failures) - limit + 1):
        last = failures[i + limit - 1]
        if last - failures[i] <= LOCK_WINDOW and last + LOCK_DURATION > now:
            return last + LOCK_DURATION
    return None


def _recent_failures(uow: UnitOfWork, who: list, since: datetime) -> list[datetime]:
    if not who:
        return []
    return list(
        uow.session.scalars(
            select(VerificationAttempt.at).where(
                or_(*who), VerificationAttempt.succeeded.is_(False), VerificationAttempt.at > since
            )
        ).all()
    )


def verify_caller(
    uow: UnitOfWork,
    account_number: str,
    *,
    zip_code: str | None = None,
    date_of_birth: date | None = None,
    phone: str | None = None,
    channel: str = "voice",
    reference: str | None = None,
    client: str | None = None,
    now: datetime,
) -> AccountSummary:
    """Check the caller knows the account's ZIP code or date of birth.

    Every try is recorded. A lock applies to the account number, the calling phone and the
    conversation (`reference`) alike after 3 failures, and to a web client (`client`, a keyed
    hash of its address) after 10: guessing across many accounts from one source is stopped too.
    """
    account_number = normalize_digits(account_number)
    account = uow.session.scalars(
        select(Account).where(Account.account_number == account_number)
    ).one_or_none()
    return _check_caller(
        uow,
        account_number,
        account,
        zip_code=zip_code,
        date_of_birth=date_of_birth,
        phone=phone,
        channel=channel,
        reference=reference,
        client=client,
        now=now,
    )


def _check_caller(
    uow: UnitOfWork,
    account_number: str,
    account: Account | None,
    *,
    zip_code: str | None,
    date_of_birth: date | None,
    phone: str | None,
    channel: str,
    reference: str | None,
    client: str | None,
    now: datetime,
) -> AccountSummary:
    """The second factor and the lockout, for an account (or None) found under `account_number`."""
    since = now - LOCK_WINDOW - LOCK_DURATION
    who = [VerificationAttempt.account_number == account_number]
    if phone:
        who.append(VerificationAttempt.phone == phone)
    if reference:
        who.append(VerificationAttempt.session_ref == reference)
    recent_failures = _recent_failures(uow, who, since)
    client_failures = _recent_failures(
        uow, [VerificationAttempt.client_ref == client] if client else [], since
    )
    until = _locked_until(recent_failures, now) or _locked_until(
        client_failures, now, CLIENT_LOCK_AFTER_FAILURES
    )
    if until is not None:
        raise errors.VerificationLocked(until)

    matched = account is not None and (
        (zip_code is not None and normalize_digits(zip_code)[:5] == account.zip_code[:5])
        or (date_of_birth is not None and date_of_birth == account.date_of_birth)
    )
    uow.session.add(
        VerificationAttempt(
            account_number=account_number,
            phone=phone,
            session_ref=reference[:64] if reference else None,
            client_ref=client[:64] if client else None,
            succeeded=matched,
            at=now,
        )
    )
    audit.record(
        uow.session,
        "verify_ok" if matched else "verify_failed",
        at=now,
        account_id=account.id if account else None,
        channel=channel,
        reference=reference,
    )
    if not matched:
        failures = [*recent_failures, now]
        # Commit the failed try even though the caller is told "no": the lockout depends on it.
        uow.session.commit()
        until = _locked_until(failures, now) or _locked_until(
            [*client_failures, now] if client else [], now, CLIENT_LOCK_AFTER_FAILURES
        )
        if until is not None:
            raise errors.VerificationLocked(until)
        window = [f for f in failures if f > now - LOCK_WINDOW]
        raise errors.VerificationFailed(tries_left=max(LOCK_AFTER_FAILURES - len(window), 0))
    assert account is not None
    return AccountSummary.of(account)


def verify_caller_by_bill(
    uow: UnitOfWork,
    invoice_number: str,
    *,
    zip_code: str | None = None,
    date_of_birth: date | None = None,
    phone: str | None = None,
    channel: str = "voice",
    reference: str | None = None,
    client: str | None = None,
    now: datetime,
) -> AccountSummary:
    """Verification for a caller who has a bill but not the account number ("Locate Account"):
    the bill number finds the account, then the same ZIP / date-of-birth check and lockout apply.
    An unknown bill number is a failed try like a wrong ZIP, so it reveals nothing."""
    digits = normalize_digits(invoice_number)
    account = (
        uow.session.scalars(
            select(Account)
            .join(Invoice, Invoice.account_id == Account.id)
            .where(Invoice.invoice_number == digits)
        ).one_or_none()
        if digits
        else None
    )
    # Tries are counted under the account the bill belongs to (one lockout whichever number the
    # caller gives); an unknown bill's under a key no account number can equal.
    key = account.account_number if account else f"B{digits[-11:]}"
    return _check_caller(
        uow,
        key,
        account,
        zip_code=zip_code,
        date_of_birth=date_of_birth,
        phone=phone,
        channel=channel,
        reference=reference,
        client=client,
        now=now,
    )
