"""AutoPay pause (skip one draft) and resume as members ask for them: what a pause would skip and
its cut-off, said before they agree; the change itself (billing_core.autopay); a written copy.

The cut-off is 3 banking days before a draft (billing_core.autopay_schedule.pause_cutoff): asked on
or before it, the coming draft is skipped; later, that draft goes ahead and the next one is
skipped. The member hears which draft and why before agreeing, and the change is refused if the
cut-off passes between the question and the yes (`PauseMonthMoved`): they agreed to skip one
particular draft, never another.

A pause or resume changes when money leaves the member's bank under a recurring authorization, so
it gets a written copy like the other AutoPay changes: by text to members who opted in, otherwise
by letter (the notice outbox, billing_core.backoffice.notifications). Unlike an enrollment, it needs
no bank details, so it is offered on every channel, and the copy goes out whichever channel was
used: a pause nobody in the household asked for is then noticed before the bill is missed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select

from billing_core import autopay, errors
from billing_core.accounts import get_account
from billing_core.autopay_schedule import draft_date_for, month_to_skip, pause_cutoff
from billing_core.backoffice.draft_facts import parse_draft_key
from billing_core.backoffice.notifications import OutboxNotifier
from billing_core.billing_calendar import add_months, due_at, eastern_date, first_of_month
from billing_core.ledger import month_lines
from billing_core.models import Account, AutopayEnrollment, Payment
from billing_core.unit_of_work import UnitOfWork


class PauseMonthMoved(errors.BillingError):
    code = "autopay_pause_moved"
    message = "The cut-off for that draft has just passed, so AutoPay was not paused."


class AutopayNotPaused(errors.BillingError):
    code = "autopay_not_paused"
    message = "AutoPay is not paused, so there is nothing to resume."


@dataclass(frozen=True)
class PausePlan:
    """What pausing now would do."""

    skip_month: date  # the coverage month whose draft is skipped
    skip_draft_date: date  # the draft that will not be made
    cutoff_date: date  # the last day a pause stops that draft
    due_date: date  # the skipped bill's due date: the member pays it themselves
    skip_amount: Decimal | None  # still owed on that bill; None before it is issued
    resume_draft_date: date  # the first draft after the pause
    missed_draft_date: date | None = None  # a nearer draft a pause can no longer stop
    missed_reason: str | None = None  # past_cutoff | already_drafted
    missed_cutoff_date: date | None = None
    bank_kind: str | None = None
    last4: str | None = None


def _enrollment(uow: UnitOfWork, account: Account) -> AutopayEnrollment | None:
    return uow.session.scalars(
        select(AutopayEnrollment).where(AutopayEnrollment.account_id == account.id)
    ).one_or_none()


def _drafted_months(uow: UnitOfWork, account: Account) -> set[date]:
    keys = uow.session.scalars(
        select(Payment.idempotency_key).where(
            Payment.account_id == account.id,
            Payment.idempotency_key.like(f"autopay:{account.id}:%"),
        )
    )
    return {parsed[1] for parsed in map(parse_draft_key, keys) if parsed is not None}


def _still_owed(uow: UnitOfWork, account: Account, month: date) -> Decimal | None:
    for line in month_lines(uow.session, account.id):
        if line.coverage_month == month:
            return line.outstanding
    return None


def pause_plan(uow: UnitOfWork, account_number: str, *, now: datetime) -> PausePlan:
    """The draft a pause asked for now skips, with the rules pause_autopay applies."""
    account = get_account(uow, account_number)
    enrollment = _enrollment(uow, account)
    if enrollment is None or enrollment.status != "active":
        raise errors.AutopayNotEnrolled()
    today = eastern_date(now)
    day = enrollment.draft_day
    drafted = _drafted_months(uow, account)
    month = month_to_skip(today, day, drafted, enrollment.first_month)
    nearest = add_months(first_of_month(today), 1)
    if enrollment.first_month is not None and enrollment.first_month > nearest:
        nearest = enrollment.first_month
    missed: dict[str, object] = {}
    if month != nearest:
        missed_on = draft_date_for(nearest, day)
        missed = {
            "missed_draft_date": missed_on,
            "missed_reason": "already_drafted" if nearest in drafted else "past_cutoff",
            "missed_cutoff_date": pause_cutoff(missed_on),
        }
    skip_on = draft_date_for(month, day)
    return PausePlan(
        skip_month=month,
        skip_draft_date=skip_on,
        cutoff_date=pause_cutoff(skip_on),
        due_date=eastern_date(due_at(month)),
        skip_amount=_still_owed(uow, account, month),
        resume_draft_date=draft_date_for(add_months(month, 1), day),
        bank_kind=enrollment.bank_method.kind,
        last4=enrollment.bank_method.last4,
        **missed,  # type: ignore[arg-type]
    )


def _written_copy(
    uow: UnitOfWork,
    account: Account,
    kind: str,
    params: dict[str, object],
    authorization_id: int,
    now: datetime,
) -> None:
    OutboxNotifier(uow.session, now).notify(
        account,
        kind,
        {k: v.isoformat() if isinstance(v, date) else v for k, v in params.items()},
        dedupe_key=f"{kind}:{authorization_id}",
        on=eastern_date(now),
    )


def pause_for_one_draft(
    uow: UnitOfWork,
    account_number: str,
    *,
    skip_month: date,
    authorization_id: int,
    now: datetime,
) -> PausePlan:
    """Pause the draft of `skip_month`, the one the member agreed to skip; send the written copy."""
    plan = pause_plan(uow, account_number, now=now)
    if plan.skip_month != skip_month:
        raise PauseMonthMoved()
    autopay.pause_autopay(uow, account_number, authorization_id=authorization_id, now=now)
    _written_copy(
        uow,
        get_account(uow, account_number),
        "autopay_paused_copy",
        {
            "authorized_date": eastern_date(now),
            "skip_draft_date": plan.skip_draft_date,
            "due_date": plan.due_date,
            "resume_draft_date": plan.resume_draft_date,
        },
        authorization_id,
        now,
    )
    return plan


@dataclass(frozen=True)
class ResumePlan:
    skip_month: date  # the paused coverage month, whose bill AutoPay will pay after all
    due_date: date
    bank_kind: str
    last4: str


def resume_plan(uow: UnitOfWork, account_number: str, *, now: datetime) -> ResumePlan | None:
    """The pause a resume would undo; None when AutoPay is not paused (or the pause is over)."""
    status = autopay.autopay_status(uow, account_number, now=now)
    if status.status != "paused" or status.paused_month is None:
        return None
    return ResumePlan(
        skip_month=status.paused_month,
        due_date=eastern_date(due_at(status.paused_month)),
        bank_kind=status.bank_kind or "checking",
        last4=status.last4 or "",
    )


def resume_after_pause(
    uow: UnitOfWork, account_number: str, *, authorization_id: int, now: datetime
) -> autopay.AutopayStatus:
    """Undo the pause (the skipped bill is drafted after all); send the written copy."""
    plan = resume_plan(uow, account_number, now=now)
    if plan is None:
        raise AutopayNotPaused()
    status = autopay.resume_autopay(uow, account_number, authorization_id=authorization_id, now=now)
    _written_copy(
        uow,
        get_account(uow, account_number),
        "autopay_resumed_copy",
        {"authorized_date": eastern_date(now), "due_date": plan.due_date},
        authorization_id,
        now,
    )
    return status
