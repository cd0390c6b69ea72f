"""The AutoPay jobs' accounts: paged and locked in chunks, and the facts the rules need about them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing_core.autopay_schedule import EnrollmentFacts, MonthFacts, NoticeFact
from billing_core.backoffice.models import (
    AccountStanding,
    MemberNotification,
    RegENotice,
    RegEPreference,
    ReturnRetry,
)
from billing_core.backoffice.month_due import month_due
from billing_core.billing_calendar import add_months, eastern_date, first_of_month
from billing_core.models import Account, Authorization, AutopayEnrollment, Invoice, Payment
from billing_core.sql import cents, is_postgresql, to_cents
from billing_core.unit_of_work import UnitOfWork

CHUNK_DEFAULT = 5000


def coverage_month_drafted_on(run_date: date) -> date:
    """Drafts in a month pay for the next month's coverage (the bill due on the 23rd)."""
    return add_months(first_of_month(run_date), 1)


def months_in_play(run_date: date) -> list[date]:
    """The current coverage month (a draft Reg E held past its due date) and the next one."""
    return [first_of_month(run_date), coverage_month_drafted_on(run_date)]


def lock_chunk(uow: UnitOfWork, after: int, size: int) -> list[int]:
    """Keyset-paged ids of accounts with an active AutoPay, locked FOR UPDATE SKIP LOCKED on
    Postgres: a runner (or a member paying right now via take_payment, which locks the account)
    holding an account makes the others pass it by; the unique idempotency key is the last line
    of defence."""
    terminated = (
        select(AccountStanding.account_id)
        .where(
            AccountStanding.account_id == AutopayEnrollment.account_id,
            AccountStanding.state == "terminated",
        )
        .exists()
    )
    stmt = (
        select(Account.id)
        .join(AutopayEnrollment, AutopayEnrollment.account_id == Account.id)
        .where(Account.id > after, AutopayEnrollment.status == "active", ~terminated)
        .order_by(Account.id)
        .limit(size)
    )
    if is_postgresql(uow.session):
        stmt = stmt.with_for_update(skip_locked=True, of=Account)
    return list(uow.session.scalars(stmt))


def chunks(
    uow_factory: Callable[[], UnitOfWork], size: int
) -> Iterator[tuple[UnitOfWork, list[int]]]:
    after = 0
    while True:
        with uow_factory() as uow:
            ids = lock_chunk(uow, after, size)
            if not ids:
                return
            yield uow, ids
        after = ids[-1]


@dataclass
class AccountFacts:
    account_id: int
    enrollment: EnrollmentFacts
    kind: str  # household | employer
    language: str
    auth_channel: str
    bank_method_id: int
    authorization_id: int
    months: dict[date, MonthFacts] = field(default_factory=dict)


def parse_draft_key(key: str) -> tuple[int, date, int] | None:
    """`autopay:<account id>:<YYYY-MM>[:<n>]` -> (account id, coverage month, draft number)."""
    parts = key.split(":")
    if len(parts) not in (3, 4) or parts[0] != "autopay":
        return None
    year, month = parts[2].split("-")
    return int(parts[1]), date(int(year), int(month), 1), int(parts[3]) if len(parts) == 4 else 0


def load_facts(session: Session, account_ids: list[int], months: list[date]) -> list[AccountFacts]:
    if not account_ids:
        return []
    rows = session.execute(
        select(
            AutopayEnrollment,
            Account.kind,
            Account.language,
            Authorization.channel,
            RegEPreference.range_low,
            RegEPreference.range_high,
        )
        .join(Account, Account.id == AutopayEnrollment.account_id)
        .join(Authorization, Authorization.id == AutopayEnrollment.authorization_id)
        .outerjoin(RegEPreference, RegEPreference.account_id == AutopayEnrollment.account_id)
        .where(AutopayEnrollment.account_id.in_(account_ids))
        .order_by(AutopayEnrollment.account_id)
    ).all()
    retrying = set(
        session.scalars(
            select(ReturnRetry.account_id).where(
                ReturnRetry.account_id.in_(account_ids), ReturnRetry.status == "scheduled"
            )
        )
    )
    due: dict[date, dict[int, int]] = {
        m: {a: d for a, d in session.execute(month_due(m, Invoice.account_id.in_(account_ids)))}
        for m in months
    }
    drafts: dict[tuple[int, date], list[str]] = {}
    for key, status in session.execute(
        select(Payment.idempotency_key, Payment.status).where(
            Payment.account_id.in_(account_ids),
            Payment.channel == "autopay",
            Payment.idempotency_key.like("autopay:%"),
        )
    ):
        parsed = parse_draft_key(key)
        if parsed is not None and parsed[1] in months:
            drafts.setdefault((parsed[0], parsed[1]), []).append(status)
    notices: dict[tuple[int, date], list[NoticeFact]] = {}
    for account_id, month, seq, amount, draft_on, sent_at in session.execute(
        select(
            RegENotice.account_id,
            RegENotice.coverage_month,
            RegENotice.sequence,
            cents(RegENotice.amount),
            RegENotice.draft_on,
            MemberNotification.sent_at,
        )
        .outerjoin(MemberNotification, MemberNotification.dedupe_key == RegENotice.notification_key)
        .where(RegENotice.account_id.in_(account_ids), RegENotice.coverage_month.in_(months))
    ):
        sent_on = eastern_date(sent_at) if sent_at is not None else None
        notices.setdefault((account_id, month), []).append(
            NoticeFact(seq, int(amount), sent_on, draft_on)
        )
    out = []
    for enrollment, kind, language, channel, low, high in rows:
        aid = enrollment.account_id
        last = enrollment.last_draft_amount
        facts = AccountFacts(
            account_id=aid,
            enrollment=EnrollmentFacts(
                draft_day=enrollment.draft_day,
                status=enrollment.status,
                first_month=enrollment.first_month,
                skip_month=enrollment.skip_month,
                last_cents=to_cents(last) if last is not None else None,
                range_cents=(to_cents(low), to_cents(high)) if low is not None else None,
                retry_scheduled=aid in retrying,
            ),
            kind=kind,
            language=language or "en",
            auth_channel=channel,
            bank_method_id=enrollment.bank_method_id,
            authorization_id=enrollment.authorization_id,
        )
        for m in months:
            made = drafts.get((aid, m), [])
            facts.months[m] = MonthFacts(
                coverage_month=m,
                due_cents=int(due[m].get(aid, 0)),
                drafts=len(made),
                any_returned="returned" in made,
                notices=tuple(notices.get((aid, m), ())),
            )
        out.append(facts)
    return out
