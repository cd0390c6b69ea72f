"""The AutoPay draft job (chunked, each chunk one transaction, safe to run twice and in parallel).

A draft for coverage month M happens in the month before M on the member's current draft day,
moved to a banking day (billing_core.autopay_schedule holds the rules: Reg E notices, the notice
cut-off, first month, one-draft pause). A draft held by Reg E past the due date still happens in
month M: each run looks at the current coverage month and the next. It collects only what is
still owed on M, counting pending payments, so a balance is never collected twice. The payment's
idempotency key `autopay:<account id>:<YYYY-MM>[:<n>]` is unique: however many runners, one
draft per month, plus numbered second drafts for a bill raised after the first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, bindparam, text, update

from billing_core.autopay_schedule import (
    draft_confirmation,
    draft_key,
    draft_now,
    scheduled_draft_date,
)
from billing_core.backoffice.business_days import is_business_day
from billing_core.backoffice.draft_facts import (
    CHUNK_DEFAULT,
    AccountFacts,
    chunks,
    coverage_month_drafted_on,
    load_facts,
    months_in_play,
)
from billing_core.backoffice.models import DraftRun
from billing_core.backoffice.rege import NoticePlan, plan_rege_notices
from billing_core.billing_calendar import eastern_date
from billing_core.models import AutopayEnrollment, Payment
from billing_core.sql import from_cents, insert_for, is_postgresql, to_cents
from billing_core.unit_of_work import UnitOfWork

CHUNK = CHUNK_DEFAULT
ANALYZE_EVERY = 8  # chunks
Progress = Callable[[int], None]


def _noop(_: int) -> None:
    return None


@dataclass(frozen=True)
class DraftResult:
    run_date: date
    coverage_month: date
    drafts: int
    amount: Decimal
    skipped_not_business_day: bool = False


def run_drafts(
    uow_factory: Callable[[], UnitOfWork],
    *,
    now: datetime,
    run_date: date | None = None,
    chunk: int = CHUNK,
    progress: Progress = _noop,
) -> DraftResult:
    """Create today's AutoPay debits. Each chunk is its own transaction, so a crash loses at most
    one chunk, and a second run (or a parallel one) creates nothing that already exists."""
    run_date = run_date or eastern_date(now)
    month = coverage_month_drafted_on(run_date)
    if not is_business_day(run_date):
        return DraftResult(run_date, month, 0, Decimal("0.00"), skipped_not_business_day=True)
    with uow_factory() as uow:
        run = DraftRun(run_date=run_date, coverage_month=month, started_at=now)
        uow.session.add(run)
        uow.session.flush()
        run_id = run.id
    total_count, total_cents = 0, 0
    for n, (uow, ids) in enumerate(chunks(uow_factory, chunk), start=1):
        count, amount = _draft_chunk(uow, ids, run_date, now)
        total_count += count
        total_cents += amount
        progress(len(ids))
        if n % ANALYZE_EVERY == 0 and is_postgresql(uow.session):
            # The run grows `payments` quickly; fresh statistics keep the planner on the indexes.
            uow.session.execute(text("ANALYZE payments"))
    with uow_factory() as uow:
        uow.session.execute(
            update(DraftRun)
            .where(DraftRun.id == run_id)
            .values(
                drafts_created=total_count,
                amount_total=from_cents(total_cents),
                finished_at=datetime.now(UTC),
            )
        )
    return DraftResult(run_date, month, total_count, from_cents(total_cents))


def _sec_code(facts: AccountFacts) -> str:
    if facts.kind == "employer":
        return "CCD"
    return {"voice": "TEL", "web": "WEB", "sms": "WEB"}.get(facts.auth_channel, "PPD")


def _draft_chunk(
    uow: UnitOfWork, account_ids: list[int], run_date: date, now: datetime
) -> tuple[int, int]:
    session = uow.session
    rows = []
    for facts in load_facts(session, account_ids, months_in_play(run_date)):
        for month, month_facts in sorted(facts.months.items()):
            draft = draft_now(facts.enrollment, month_facts, run_date)
            if draft is None:
                continue
            rows.append(
                {
                    "confirmation_number": draft_confirmation(
                        facts.account_id, month, draft.sequence
                    ),
                    "idempotency_key": draft_key(facts.account_id, month, draft.sequence),
                    "account_id": facts.account_id,
                    "amount": from_cents(draft.amount_cents),
                    "fee": Decimal("0.00"),
                    "method": "eft",
                    "channel": "autopay",
                    "status": "pending",
                    "sec_code": _sec_code(facts),
                    "payment_type": "R",
                    "bank_method_id": facts.bank_method_id,
                    "authorization_id": facts.authorization_id,
                    "effective_date": run_date,
                    "created_at": now,
                }
            )
    if not rows:
        return 0, 0
    inserted = session.execute(
        insert_for(session)(Payment)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(Payment.account_id, Payment.amount),
        rows,
    ).all()
    last: dict[int, int] = {}
    for account_id, amount in inserted:
        last[account_id] = to_cents(amount)
    if last:
        table = AutopayEnrollment.__table__
        session.execute(
            table.update()
            .where(table.c.account_id == bindparam("aid"))
            .values(last_draft_amount=bindparam("amt", type_=BigInteger)),
            [{"aid": a, "amt": c} for a, c in last.items()],
        )
    return len(inserted), sum(to_cents(a) for _, a in inserted)


__all__ = [
    "DraftResult",
    "NoticePlan",
    "coverage_month_drafted_on",
    "draft_key",
    "months_in_play",
    "plan_rege_notices",
    "run_drafts",
    "scheduled_draft_date",
]
