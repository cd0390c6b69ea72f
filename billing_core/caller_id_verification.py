"""Verifying a caller by caller ID plus ZIP code (or date of birth), without revealing membership.

Every caller hears the same first question ("your account number, or your ZIP code if you are
calling from the phone on your account"). A ZIP code answered there is checked against the one
account whose verified phone matches caller ID. Whatever goes wrong (no such account, the number
on several accounts, caller ID withheld, a wrong ZIP, the account locked) the answer is the same
`CallerIdNotMatched`, so a caller who spoofs a number learns nothing about it; the caller then
gives the account number as anyone else would.

A wrong answer counts against that account's lockout (three in 15 minutes lock it, as a wrong
ZIP after the account number does), never against the calling phone or the conversation: those
counts decide what the caller hears next, and a number that is not a member's must fare alike.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from billing_core import errors
from billing_core.accounts import (
    LOCK_DURATION,
    LOCK_WINDOW,
    AccountSummary,
    _locked_until,
    _recent_failures,
    account_for_caller_id,
    normalize_digits,
)
from billing_core.models import Account, AuditEvent, VerificationAttempt
from billing_core.unit_of_work import UnitOfWork


class CallerIdNotMatched(errors.BillingError):
    """One answer for every way caller ID + ZIP can fail (it must not tell them apart)."""

    code = "caller_id_not_matched"
    message = "We could not find your account from this phone with that answer."


def verify_by_caller_id(
    uow: UnitOfWork,
    phone: str | None,
    *,
    zip_code: str | None = None,
    date_of_birth: date | None = None,
    channel: str = "voice",
    reference: str | None = None,
    now: datetime,
) -> AccountSummary:
    account_number = account_for_caller_id(uow, phone)
    if account_number is None:
        raise CallerIdNotMatched()
    account = uow.session.scalars(
        select(Account).where(Account.account_number == account_number)
    ).one()
    failures = _recent_failures(
        uow,
        [VerificationAttempt.account_number == account_number],
        now - LOCK_WINDOW - LOCK_DURATION,
    )
    if _locked_until(failures, now) is not None:
        raise CallerIdNotMatched()  # locked: said only to a caller who names the account
    matched = (zip_code is not None and normalize_digits(zip_code)[:5] == account.zip_code[:5]) or (
        date_of_birth is not None and date_of_birth == account.date_of_birth
    )
    uow.session.add(
        VerificationAttempt(
            account_number=account_number,
            # The phone and conversation are kept only on success: a failure here must not
            # count against them (see the module docstring).
            phone=phone if matched else None,
            session_ref=reference[:64] if reference and matched else None,
            succeeded=matched,
            at=now,
        )
    )
    uow.session.add(
        AuditEvent(
            at=now,
            account_id=account.id,
            channel=channel,
            reference=reference,
            action="verify_ok" if matched else "verify_failed",
            detail={"by": "caller_id"},
        )
    )
    if not matched:
        uow.session.commit()  # the failed try counts even though the caller is told "no"
        raise CallerIdNotMatched()
    return AccountSummary.of(account)
