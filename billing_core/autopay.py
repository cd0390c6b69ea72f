"""AutoPay (recurring EFT): status, enroll, change draft day or bank account, pause, resume, cancel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select

from billing_core import audit, errors
from billing_core.accounts import get_account
from billing_core.autopay_notice_range import elect_notice_range
from billing_core.autopay_outlook import autopay_outlook
from billing_core.autopay_schedule import first_drafted_month, month_to_skip
from billing_core.backoffice.draft_facts import parse_draft_key
from billing_core.backoffice.notifications import OutboxNotifier
from billing_core.billing_calendar import due_at, eastern_date
from billing_core.models import Account, Authorization, AutopayEnrollment, Payment
from billing_core.payment_methods import get_bank_method
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
    # A bill this AutoPay will not pay by its due date, and why (autopay_outlook.Outlook).
    unpaid_month: date | None = None
    unpaid_amount: Decimal | None = None
    unpaid_due_date: date | None = None
    unpaid_reason: str | None = None
    drafts_resume_on: date | None = None  # the first draft after that bill
    paused_month: date | None = None  # the coverage month a one-draft pause skips


def _enrollment(uow: UnitOfWork, account: Account) -> AutopayEnrollment | None:
    return uow.session.scalars(
        select(AutopayEnrollment).where(AutopayEnrollment.account_id == account.id)
    ).one_or_none()


def autopay_status(uow: UnitOfWork, account_number: str, *, now: datetime) -> AutopayStatus:
    account = get_account(uow, account_number)
    enrollment = _enrollment(uow, account)
    if enrollment is None:
        return AutopayStatus(False, None, None, None, None, None, None)
    today = eastern_date(now)
    outlook = autopay_outlook(uow.session, account.id, today)
    paused_month = enrollment.skip_month
    if paused_month is not None and due_at(paused_month) < now:
        paused_month = None  # the skipped bill's due date has passed: the pause is over
    status = enrollment.status
    if status == "active" and paused_month is not None:
        status = "paused"
    known = outlook is not None and outlook.next_draft_amount is not None
    return AutopayStatus(
        enrolled=enrollment.status != "cancelled",
        status=status,
        draft_day=enrollment.draft_day,
        bank_kind=enrollment.bank_method.kind,
        last4=enrollment.bank_method.last4,
        next_draft_date=outlook.next_draft_date if known else None,
        next_draft_amount=outlook.next_draft_amount if known else None,
        unpaid_month=outlook.unpaid_month if outlook else None,
        unpaid_amount=outlook.unpaid_amount if outlook else None,
        unpaid_due_date=outlook.unpaid_due_date if outlook else None,
        unpaid_reason=outlook.unpaid_reason if outlook else None,
        drafts_resume_on=outlook.next_draft_date if outlook and outlook.unpaid_month else None,
        paused_month=paused_month,
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


def enroll_autopay(
    uow: UnitOfWork,
    account_number: str,
    *,
    bank_method_reference: str,
    draft_day: int,
    authorization_id: int,
    now: datetime,
    notice_range: tuple[Decimal, Decimal] | None = None,
) -> AutopayStatus:
    """Enroll. `notice_range` is the member's Reg E 1005.10(d)(2) election, captured with the
    authorization: no notice while a draft stays inside it (None: notice of every change)."""
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
    # Set up on or after this month's draft date: the first draft is next month's.
    enrollment.first_month = first_drafted_month(eastern_date(now), draft_day)
    enrollment.skip_month = None
    audit.record(
        uow.session,
        "autopay_enrolled",
        at=now,
        account_id=account.id,
        channel="autopay",
        detail={"authorization_id": auth_id, "draft_day": draft_day, "last4": bank.last4},
    )
    if notice_range is not None:
        elect_notice_range(uow, account, notice_range, auth_id, now)
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
    detail = {
        k: v.isoformat() if isinstance(v, date) else v
        for k, v in changes.items()
        if k != "bank_method_id"
    }
    audit.record(
        uow.session,
        action,
        at=now,
        account_id=account.id,
        channel="autopay",
        detail={"authorization_id": auth_id, **detail},
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
            # Suspended after a closed/invalid/unauthorized return: a new bank account restarts it,
            # from the first draft date still ahead (a restart is like a new enrollment).
            changes["status"] = "active"
            day = changes.get("draft_day", enrollment.draft_day)
            changes["first_month"] = first_drafted_month(eastern_date(now), int(day))  # type: ignore[call-overload]
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
    """Skip one draft: the next one not yet made, when asked at least 3 banking days before its
    date (the cut-off); after the cut-off the draft goes ahead and the following one is skipped.
    Drafts resume by themselves after the skipped month."""
    account = get_account(uow, account_number)
    enrollment = _enrollment(uow, account)
    if enrollment is None or enrollment.status != "active":
        raise errors.AutopayNotEnrolled()
    keys = uow.session.scalars(
        select(Payment.idempotency_key).where(
            Payment.account_id == account.id,
            Payment.idempotency_key.like(f"autopay:{account.id}:%"),
        )
    )
    drafted = {parsed[1] for parsed in map(parse_draft_key, keys) if parsed is not None}
    month = month_to_skip(eastern_date(now), enrollment.draft_day, drafted, enrollment.first_month)
    return _change(
        uow, account_number, authorization_id, now, "autopay_paused", ("active",), skip_month=month
    )


def resume_autopay(
    uow: UnitOfWork, account_number: str, *, authorization_id: int, now: datetime
) -> AutopayStatus:
    """Undo a pause: the skipped draft happens after all (on the next run if its date passed)."""
    account = get_account(uow, account_number)
    enrollment = _enrollment(uow, account)
    if enrollment is None or (enrollment.status != "paused" and enrollment.skip_month is None):
        raise errors.AutopayNotEnrolled()
    return _change(
        uow,
        account_number,
        authorization_id,
        now,
        "autopay_resumed",
        ("active", "paused"),
        status="active",
        skip_month=None,
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
