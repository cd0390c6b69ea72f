"""The AutoPay draft job and the Reg E notice planner (set-based, chunked, safe to run in parallel).

A draft for coverage month M happens in the month before M, on the member's draft day moved to a
banking day (to the previous one, so a draft never lands after the 23rd due date; to the next one
when the previous is in another month). It collects only what is still owed on M, counting
pending one-time payments, so a balance is never collected twice. The payment's idempotency key
`autopay:<account id>:<YYYY-MM>` is unique: however many runners, only one draft per month.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    String,
    and_,
    bindparam,
    case,
    cast,
    literal,
    or_,
    select,
    text,
    update,
)

from billing_core.backoffice.business_days import (
    is_business_day,
    next_business_day,
    previous_business_day,
)
from billing_core.backoffice.models import (
    AccountStanding,
    DraftRun,
    MemberNotification,
    RegENotice,
    RegEPreference,
)
from billing_core.backoffice.sql import cents, from_cents, insert_for, is_postgres, month_due
from billing_core.billing_calendar import EASTERN, add_months, eastern_date, first_of_month
from billing_core.models import (
    Account,
    Authorization,
    AutopayEnrollment,
    ContactPhone,
    Invoice,
    Payment,
)
from billing_core.types import UTCDateTime
from billing_core.unit_of_work import UnitOfWork

REG_E_NOTICE_DAYS = 10
CHUNK = 5000
Progress = Callable[[int], None]


def _noop(_: int) -> None:
    return None


def scheduled_draft_date(month_of_draft: date, draft_day: int) -> date:
    """The banking day a draft day falls on in the month of the draft."""
    nominal = first_of_month(month_of_draft).replace(day=draft_day)
    before = previous_business_day(nominal)
    return before if before.month == nominal.month else next_business_day(nominal)


def coverage_month_drafted_on(run_date: date) -> date:
    """Drafts in a month pay for the next month's coverage (the bill due on the 23rd)."""
    return add_months(first_of_month(run_date), 1)


def draft_key(account_id: int, coverage_month: date) -> str:
    return f"autopay:{account_id}:{coverage_month:%Y-%m}"


def _eastern_midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=EASTERN).astimezone(UTC)


@dataclass(frozen=True)
class DraftResult:
    run_date: date
    coverage_month: date
    drafts: int
    amount: Decimal
    skipped_not_business_day: bool = False


def _draft_candidates(run_date: date, coverage_month: date):  # type: ignore[no-untyped-def]
    """Predicate parts common to the draft job and the notice planner."""
    key = (
        literal("autopay:", String)
        + cast(AutopayEnrollment.account_id, String)
        + literal(f":{coverage_month:%Y-%m}", String)
    )
    not_drafted = ~select(Payment.id).where(Payment.idempotency_key == key).exists()
    not_terminated = (
        ~select(AccountStanding.account_id)
        .where(
            AccountStanding.account_id == AutopayEnrollment.account_id,
            AccountStanding.state == "terminated",
        )
        .exists()
    )
    return key, [AutopayEnrollment.status == "active", not_drafted, not_terminated]


def _due_today_clause(run_date: date, due_cents):  # type: ignore[no-untyped-def]
    """Whose draft date has come, with the enrollment in place before it, and, when the amount
    changed, a Reg E notice recorded far enough ahead."""
    on_schedule = []
    for day in range(1, 24):
        when = scheduled_draft_date(run_date, day)
        if when <= run_date:
            on_schedule.append(
                and_(
                    AutopayEnrollment.draft_day == day,
                    AutopayEnrollment.updated_at
                    < literal(_eastern_midnight_utc(when), UTCDateTime),
                )
            )
    last = cents(AutopayEnrollment.last_draft_amount)
    in_range = (
        select(RegEPreference.account_id)
        .where(
            RegEPreference.account_id == AutopayEnrollment.account_id,
            cents(RegEPreference.range_low) <= due_cents,
            cents(RegEPreference.range_high) >= due_cents,
        )
        .exists()
    )
    no_notice_needed = or_(last.is_(None), last == due_cents, in_range)
    return no_notice_needed, or_(*on_schedule) if on_schedule else literal(False)


ANALYZE_EVERY = 8  # chunks


def _lock_chunk(uow: UnitOfWork, run_date: date, coverage_month: date, after: int, size: int):  # type: ignore[no-untyped-def]
    """Keyset-paged candidate account ids, locked FOR UPDATE SKIP LOCKED on Postgres: a runner (or
    a member paying right now via take_payment, which locks the account) holding an account makes
    the others pass it by; the unique idempotency key is the last line of defence."""
    _, where = _draft_candidates(run_date, coverage_month)
    stmt = (
        select(Account.id)
        .join(AutopayEnrollment, AutopayEnrollment.account_id == Account.id)
        .where(Account.id > after, *where)
        .order_by(Account.id)
        .limit(size)
    )
    if is_postgres(uow.session):
        stmt = stmt.with_for_update(skip_locked=True, of=Account)
    return list(uow.session.scalars(stmt))


def _chunks(
    uow_factory: Callable[[], UnitOfWork], run_date: date, coverage_month: date, size: int
) -> Iterator[tuple[UnitOfWork, list[int]]]:
    after = 0
    while True:
        with uow_factory() as uow:
            ids = _lock_chunk(uow, run_date, coverage_month, after, size)
            if not ids:
                return
            yield uow, ids
        after = ids[-1]


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
    for n, (uow, ids) in enumerate(_chunks(uow_factory, run_date, month, chunk), start=1):
        count, amount = _draft_chunk(uow, ids, run_date, month, now)
        total_count += count
        total_cents += amount
        progress(len(ids))
        if n % ANALYZE_EVERY == 0 and is_postgres(uow.session):
            # The run grows `payments` quickly; fresh statistics keep the planner on the indexes
            # (with the ones from before the run, each chunk got slower than the last).
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


def _draft_chunk(
    uow: UnitOfWork, account_ids: list[int], run_date: date, month: date, now: datetime
) -> tuple[int, int]:
    session = uow.session
    due = month_due(month, Invoice.account_id.in_(account_ids)).subquery("due")
    key, where = _draft_candidates(run_date, month)
    no_notice_needed, on_schedule = _due_today_clause(run_date, due.c.due_cents)
    noticed = (
        select(RegENotice.id)
        .where(
            RegENotice.account_id == AutopayEnrollment.account_id,
            RegENotice.coverage_month == month,
            cents(RegENotice.amount) == due.c.due_cents,
            RegENotice.draft_on <= run_date,
        )
        .exists()
    )
    auth_channel = Authorization.channel
    sec = case(
        (Account.kind == "employer", "CCD"),
        (auth_channel == "voice", "TEL"),
        (auth_channel.in_(("web", "sms")), "WEB"),
        else_="PPD",
    )
    confirmation = literal(f"{run_date:%y%m}", String) + cast(
        cast(AutopayEnrollment.account_id, BigInteger) + literal(10**10, BigInteger), String
    )
    source = (
        select(
            confirmation.label("confirmation_number"),
            key.label("idempotency_key"),
            AutopayEnrollment.account_id,
            due.c.due_cents,
            literal(0, BigInteger).label("fee"),
            literal("eft", String).label("method"),
            literal("autopay", String).label("channel"),
            literal("pending", String).label("status"),
            sec.label("sec_code"),
            literal("R", String).label("payment_type"),
            AutopayEnrollment.bank_method_id,
            AutopayEnrollment.authorization_id,
            literal(run_date).label("effective_date"),
            literal(now, UTCDateTime).label("created_at"),
        )
        .select_from(AutopayEnrollment)
        .join(due, due.c.account_id == AutopayEnrollment.account_id)
        .join(Account, Account.id == AutopayEnrollment.account_id)
        .join(Authorization, Authorization.id == AutopayEnrollment.authorization_id)
        .where(
            AutopayEnrollment.account_id.in_(account_ids),
            due.c.due_cents > 0,
            *where,
            or_(and_(no_notice_needed, on_schedule), noticed),
        )
    )
    insert = (
        insert_for(session)(Payment)
        .from_select(
            [
                "confirmation_number",
                "idempotency_key",
                "account_id",
                "amount",
                "fee",
                "method",
                "channel",
                "status",
                "sec_code",
                "payment_type",
                "bank_method_id",
                "authorization_id",
                "effective_date",
                "created_at",
            ],
            source,
        )
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(Payment.account_id, cents(Payment.amount))
    )
    rows = session.execute(insert).all()
    if rows:
        table = AutopayEnrollment.__table__
        session.execute(
            table.update()
            .where(table.c.account_id == bindparam("aid"))
            .values(last_draft_amount=bindparam("amt", type_=BigInteger)),
            [{"aid": a, "amt": c} for a, c in rows],
        )
    return len(rows), sum(c for _, c in rows)


@dataclass(frozen=True)
class NoticePlan:
    notices: int


def plan_rege_notices(
    uow_factory: Callable[[], UnitOfWork],
    *,
    now: datetime,
    today: date | None = None,
    chunk: int = CHUNK,
    progress: Progress = _noop,
) -> NoticePlan:
    """Record a Reg E notice for every coming draft whose amount differs from the last one (and is
    outside the member's chosen range). The notice is dated today; the draft may not happen before
    today + 10 days, so when the bill came too late for the usual draft day the draft moves."""
    today = today or eastern_date(now)
    month = coverage_month_drafted_on(today)
    earliest = next_business_day(today + timedelta(days=REG_E_NOTICE_DAYS))
    created = 0
    after = 0
    while True:
        with uow_factory() as uow:
            ids = _lock_chunk(uow, today, month, after, chunk)
            if not ids:
                break
            created += _plan_chunk(uow, ids, today, month, earliest, now)
            after = ids[-1]
        progress(len(ids))
    return NoticePlan(created)


def _plan_chunk(
    uow: UnitOfWork, ids: list[int], today: date, month: date, earliest: date, now: datetime
) -> int:
    session = uow.session
    due = month_due(month, Invoice.account_id.in_(ids)).subquery("due")
    _, where = _draft_candidates(today, month)
    no_notice_needed, _ = _due_today_clause(today, due.c.due_cents)
    already = (
        select(RegENotice.id)
        .where(
            RegENotice.account_id == AutopayEnrollment.account_id,
            RegENotice.coverage_month == month,
            cents(RegENotice.amount) == due.c.due_cents,
        )
        .exists()
    )
    texts = (
        select(ContactPhone.id)
        .where(
            ContactPhone.account_id == AutopayEnrollment.account_id,
            ContactPhone.sms_opt_in.is_(True),
            ContactPhone.opted_out_at.is_(None),
        )
        .exists()
    )
    rows = session.execute(
        select(
            AutopayEnrollment.account_id,
            AutopayEnrollment.draft_day,
            due.c.due_cents,
            cents(AutopayEnrollment.last_draft_amount),
            Account.language,
            texts,
        )
        .join(due, due.c.account_id == AutopayEnrollment.account_id)
        .join(Account, Account.id == AutopayEnrollment.account_id)
        .where(
            AutopayEnrollment.account_id.in_(ids),
            due.c.due_cents > 0,
            *where,
            ~no_notice_needed,
            ~already,
        )
    ).all()
    if not rows:
        return 0
    notices, outbox = [], []
    for account_id, draft_day, due_cents, last_cents, language, sms in rows:
        draft_on = max(scheduled_draft_date(today, draft_day), earliest)
        amount = from_cents(due_cents)
        notices.append(
            {
                "account_id": account_id,
                "coverage_month": month,
                "amount": amount,
                "previous_amount": from_cents(last_cents),
                "noticed_on": today,
                "draft_on": draft_on,
                "created_at": now,
            }
        )
        outbox.append(
            {
                "account_id": account_id,
                "kind": "rege_amount_change",
                "channel": "sms" if sms else "mail",
                "language": language or "en",
                "params": {
                    "amount": str(amount),
                    "previous_amount": str(from_cents(last_cents)),
                    "draft_date": draft_on.isoformat(),
                    "coverage_month": f"{month:%Y-%m}",
                },
                "dedupe_key": f"rege:{account_id}:{month:%Y-%m}:{due_cents}",
                "send_after": today,
                "created_at": now,
            }
        )
    insert = insert_for(session)
    result = session.execute(
        insert(RegENotice)
        .on_conflict_do_nothing(index_elements=["account_id", "coverage_month", "amount"])
        .returning(RegENotice.account_id),
        notices,
    )
    made = len(result.all())
    session.execute(
        insert(MemberNotification).on_conflict_do_nothing(index_elements=["dedupe_key"]), outbox
    )
    return made


__all__ = [
    "DraftResult",
    "NoticePlan",
    "coverage_month_drafted_on",
    "draft_key",
    "plan_rege_notices",
    "run_drafts",
    "scheduled_draft_date",
]
