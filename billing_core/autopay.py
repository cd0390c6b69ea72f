"""AutoPay (recurring EFT): status, enroll, change draft day or bank account, pause, resume, cancel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select

from billing_core import errors
from billing_core.accounts import get_account
from billing_core.backoffice.notifications import OutboxNotifier
from billing_core.billing_calendar import add_months, eastern_date
from billing_core.ledger import month_lines
from billing_core.models import Account, AuditEvent, Authorization, AutopayEnrollment
from billing_core.payments import get_bank_method
from billing_core.unit_of_work import UnitOfWork

FIRST_DRAFT_DAY, LAST_DRAFT_DAY = 1, 23


@dataclass(frozen=True)
class AutopayStatus:
    enrolled: bool
    status: str | None  # active | paused | suspended | cancelled | None when never enrolled
    draft_day: int | None
    bank_kind: str | None
    last4: str | None
    next_draft_date: date | None
    next_draft_amount: Decimal | None


def _enrollment(uow: UnitOfWork, account: Account) -> AutopayEnrollment | None:
    return uow.session.scalars(
        select(AutopayEnrollment).where(AutopayEnrollment.account_id == account.id)
    ).one_or_none()


def next_draft(
    uow: UnitOfWork, account: Account, draft_day: int, now: datetime
) -> tuple[date | None, Decimal | None]:
    """The next draft: on the draft day of the month a bill is due, for what is still owed on it."""
    today = eastern_date(now)
    for line in month_lines(uow.session, account.id):
        draft_on = add_months(line.coverage_month, -1).replace(day=draft_day)
        if draft_on >= today and line.outstanding > 0:
            return draft_on, line.outstanding
    return None, None


def autopay_status(uow: UnitOfWork, account_number: str, *, now: datetime) -> AutopayStatus:
    account = get_account(uow, account_number)
    enrollment = _enrollment(uow, account)
    if enrollment is None:
        return AutopayStatus(False, None, None, None, None, None, None)
    active = enrollment.status == "active"
    draft_date, amount = (
        next_draft(uow, account, enrollment.draft_day, now) if active else (None, None)
    )
    return AutopayStatus(
        enrolled=enrollment.status != "cancelled",
        status=enrollment.status,
        draft_day=enrollment.draft_day,
        bank_kind=enrollment.bank_method.kind,
        last4=enrollment.bank_method.last4,
        next_draft_date=draft_date,
        next_draft_amount=amount,
    )


def _check_draft_day(draft_day: int) -> int:
    if not isinstance(draft_day, int) or not FIRST_DRAFT_DAY <= draft_day <= LAST_DRAFT_DAY:
        raise errors.InvalidDraftDay()
    return draft_day


def _check_authorization(uow: UnitOfWork, account: Account, authorization_id: int | None) -> int:
    auth = uow.session.get(Authorization, authorization_id) if authorization_id else None
    if auth is None or auth.account_id != account.id:
        raise errors.AuthorizationRequired()
    return auth.id


def _send_written_copy_if_by_phone(
    uow: UnitOfWork, account: Account, authorization_id: int, now: datetime
) -> None:
    """A recurring debit authorized by phone (TEL) needs a written copy: by text to a member who
    opted in, otherwise by letter (the back office's notice outbox decides the channel)."""
    auth = uow.session.get_one(Authorization, authorization_id)
    enrollment = _enrollment(uow, account)
    if auth.channel != "voice" or enrollment is None:
        return
    params = {
        "draft_day": enrollment.draft_day,
        "last4": enrollment.bank_method.last4,
        "bank_kind": enrollment.bank_method.kind,
        "authorized_date": eastern_date(auth.created_at).isoformat(),
    }
    OutboxNotifier(uow.session, now).notify(
        account,
        "autopay_written_copy",
        params,
        dedupe_key=f"autopay_written_copy:{authorization_id}",
        on=eastern_date(now),
    )


def _audit(
    uow: UnitOfWork, account: Account, action: str, auth_id: int, now: datetime, **detail: object
) -> None:
    uow.session.add(
        AuditEvent(
            at=now,
            account_id=account.id,
            channel="autopay",
            reference=None,
            action=action,
            detail={"authorization_id": auth_id, **detail},
        )
    )


def enroll_autopay(
    uow: UnitOfWork,
    account_number: str,
    *,
    bank_method_reference: str,
    draft_day: int,
    authorization_id: int,
    now: datetime,
) -> AutopayStatus:
    account = get_account(uow, account_number, for_update=True)
    draft_day = _check_draft_day(draft_day)
    auth_id = _check_authorization(uow, account, authorization_id)
    enrollment = _enrollment(uow, account)
    if enrollment is not None and enrollment.status != "cancelled":
        raise errors.AutopayAlreadyEnrolled()
    bank = get_bank_method(uow, account, bank_method_reference)
    if enrollment is None:
        enrollment = AutopayEnrollment(account_id=account.id)
        uow.session.add(enrollment)
    enrollment.bank_method_id = bank.id
    enrollment.draft_day = draft_day
    enrollment.status = "active"
    enrollment.authorization_id = auth_id
    enrollment.updated_at = now
    _audit(uow, account, "autopay_enrolled", auth_id, now, draft_day=draft_day, last4=bank.last4)
    uow.session.flush()
    uow.session.refresh(enrollment)
    _send_written_copy_if_by_phone(uow, account, auth_id, now)
    return autopay_status(uow, account_number, now=now)


def _change(
    uow: UnitOfWork,
    account_number: str,
    authorization_id: int,
    now: datetime,
    action: str,
    allowed_from: tuple[str, ...],
    **changes: object,
) -> AutopayStatus:
    account = get_account(uow, account_number, for_update=True)
    auth_id = _check_authorization(uow, account, authorization_id)
    enrollment = _enrollment(uow, account)
    if enrollment is None or enrollment.status not in allowed_from:
        raise errors.AutopayNotEnrolled()
    for field, value in changes.items():
        setattr(enrollment, field, value)
    enrollment.authorization_id = auth_id
    enrollment.updated_at = now
    _audit(
        uow,
        account,
        action,
        auth_id,
        now,
        **{k: v for k, v in changes.items() if k != "bank_method_id"},
    )
    uow.session.flush()
    uow.session.expire(enrollment)
    if action == "autopay_changed":
        _send_written_copy_if_by_phone(uow, account, auth_id, now)
    return autopay_status(uow, account_number, now=now)


def change_autopay(
    uow: UnitOfWork,
    account_number: str,
    *,
    authorization_id: int,
    now: datetime,
    draft_day: int | None = None,
    bank_method_reference: str | None = None,
) -> AutopayStatus:
    changes: dict[str, object] = {}
    if draft_day is not None:
        changes["draft_day"] = _check_draft_day(draft_day)
    if bank_method_reference is not None:
        account = get_account(uow, account_number)
        changes["bank_method_id"] = get_bank_method(uow, account, bank_method_reference).id
        enrollment = _enrollment(uow, account)
        if enrollment is not None and enrollment.status == "suspended":
            # Suspended after a closed/invalid/unauthorized return: a new bank account restarts it.
            changes["status"] = "active"
    return _change(
        uow,
        account_number,
        authorization_id,
        now,
        "autopay_changed",
        ("active", "paused", "suspended"),
        **changes,
    )


def pause_autopay(
    uow: UnitOfWork, account_number: str, *, authorization_id: int, now: datetime
) -> AutopayStatus:
    return _change(
        uow, account_number, authorization_id, now, "autopay_paused", ("active",), status="paused"
    )


def resume_autopay(
    uow: UnitOfWork, account_number: str, *, authorization_id: int, now: datetime
) -> AutopayStatus:
    return _change(
        uow, account_number, authorization_id, now, "autopay_resumed", ("paused",), status="active"
    )


def cancel_autopay(
    uow: UnitOfWork, account_number: str, *, authorization_id: int, now: datetime
) -> AutopayStatus:
    return _change(
        uow,
        account_number,
        authorization_id,
        now,
        "autopay_cancelled",
        ("active", "paused", "suspended"),
        status="cancelled",
    )
