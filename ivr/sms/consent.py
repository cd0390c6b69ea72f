"""Text-message consent per phone number: STOP opts out at once, START opts back in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from billing_core import audit
from billing_core.models import Account, ContactPhone
from billing_core.unit_of_work import UnitOfWork
from ivr.sms.models import SmsOptOut


def is_opted_out(uow: UnitOfWork, number: str) -> bool:
    if uow.session.get(SmsOptOut, number) is not None:
        return True
    return (
        uow.session.scalar(
            select(ContactPhone.id)
            .where(ContactPhone.number == number, ContactPhone.opted_out_at.is_not(None))
            .limit(1)
        )
        is not None
    )


def opt_out(uow: UnitOfWork, number: str, *, source: str, now: datetime) -> None:
    """Record the opt-out for the number and every contact phone that has it. Idempotent."""
    session = uow.session
    if session.get(SmsOptOut, number) is None:
        session.add(SmsOptOut(number=number, opted_out_at=now, source=source[:20]))
    phones = session.scalars(
        select(ContactPhone).where(
            ContactPhone.number == number, ContactPhone.opted_out_at.is_(None)
        )
    ).all()
    for phone in phones:
        phone.opted_out_at = now
        audit.record(
            session,
            "sms_opt_out",
            at=now,
            account_id=phone.account_id,
            channel="sms",
            detail={"source": source},
        )
    session.flush()


def opt_in(uow: UnitOfWork, number: str, *, source: str, now: datetime) -> bool:
    """START/UNSTOP/YES: consent again. Returns whether the number had been opted out."""
    session = uow.session
    was_out = is_opted_out(uow, number)
    row = session.get(SmsOptOut, number)
    if row is not None:
        session.delete(row)
    account_ids = session.scalars(
        select(ContactPhone.account_id).where(ContactPhone.number == number)
    ).all()
    session.execute(
        update(ContactPhone)
        .where(ContactPhone.number == number)
        .values(opted_out_at=None, sms_opt_in=True)
    )
    for account_id in account_ids:
        audit.record(
            session,
            "sms_opt_in",
            at=now,
            account_id=account_id,
            channel="sms",
            detail={"source": source},
        )
    session.flush()
    return was_out


def language_for_number(uow: UnitOfWork, number: str) -> str | None:
    """The language of the account that has this number (verified ones first), if any."""
    return uow.session.scalar(
        select(Account.language)
        .join(ContactPhone, ContactPhone.account_id == Account.id)
        .where(ContactPhone.number == number)
        .order_by(ContactPhone.verified.desc(), ContactPhone.id)
        .limit(1)
    )


def is_verified_number(uow: UnitOfWork, number: str) -> bool:
    """Whether the number is verified on at least one account (account answers are possible)."""
    return (
        uow.session.scalar(
            select(ContactPhone.id)
            .where(ContactPhone.number == number, ContactPhone.verified.is_(True))
            .limit(1)
        )
        is not None
    )
