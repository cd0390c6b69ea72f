"""The ledger per coverage and month, as it stood at any instant: bills by revision, credits by
payment and return, and the documented order in which money is applied (oldest month first,
health before dental within a month). The account-level totals are those of billing_core.ledger;
this module only says which coverage a partial payment paid."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing_core.backoffice.models import PaymentReversal
from billing_core.billing_calendar import add_months
from billing_core.ledger import NOT_CREDITED
from billing_core.models import Coverage, Invoice, Payment
from billing_core.money_models import Refund

ZERO = Decimal("0.00")
# The default allocation within a month; Settings.payment_line_order (PAYMENT_LINE_ORDER) changes it.
DEFAULT_LINE_ORDER = ("health", "dental")
# A bill becomes late the instant after its due time (a payment at 5:00:00 PM is on time).
JUST_AFTER = timedelta(microseconds=1)


@dataclass(frozen=True)
class BillLine:
    """One coverage's bill for one month, with every revision (issued_at, amount) in order."""

    coverage_id: int
    line: str
    month: date
    due_at: datetime
    revisions: tuple[tuple[datetime, Decimal], ...]

    def amount_at(self, at: datetime) -> Decimal:
        """What the bill asked for at `at`: a revision counts from when it was issued."""
        amount = ZERO
        for issued_at, value in self.revisions:
            if issued_at > at:
                break
            amount = value
        return amount


@dataclass(frozen=True)
class CreditEvent:
    at: datetime
    amount: Decimal  # a payment is positive, its return negative


@dataclass(frozen=True)
class CoverageLedger:
    coverages: tuple[Coverage, ...]
    lines: tuple[BillLine, ...]
    credits: tuple[CreditEvent, ...]
    chain_start: dict[int, date]  # coverage id -> first month of its continuous enrollment

    def credit_at(self, at: datetime) -> Decimal:
        return sum((c.amount for c in self.credits if c.at <= at), ZERO)


def load_coverage_ledger(session: Session, account_id: int) -> CoverageLedger:
    coverages = tuple(
        session.scalars(
            select(Coverage).where(Coverage.account_id == account_id).order_by(Coverage.id)
        )
    )
    line_of = {c.id: c.line for c in coverages}
    grouped: dict[tuple[int, date], list[Invoice]] = {}
    for inv in session.scalars(
        select(Invoice).where(Invoice.account_id == account_id).order_by(Invoice.revision)
    ):
        grouped.setdefault((inv.coverage_id, inv.coverage_month), []).append(inv)
    lines = tuple(
        BillLine(
            coverage_id=cov,
            line=line_of.get(cov, "health"),
            month=month,
            due_at=min(i.due_at for i in invs),
            revisions=tuple((i.issued_at, i.amount) for i in invs),
        )
        for (cov, month), invs in grouped.items()
    )
    return CoverageLedger(coverages, lines, _credits(session, account_id), _chain_starts(coverages))


def _credits(session: Session, account_id: int) -> tuple[CreditEvent, ...]:
    """A payment counts from when it posted; a return takes it away from when it was recorded
    (not backwards to the payment date: what the member was told in between stays true); a
    refund from when it was made. A cancelled payment never counted (it is cancelled before its
    file is cut), like the ledger's `credited_total`."""
    returned_at = dict(
        session.execute(
            select(PaymentReversal.payment_id, PaymentReversal.created_at).where(
                PaymentReversal.account_id == account_id
            )
        ).all()
    )
    events: list[CreditEvent] = []
    for p in session.scalars(select(Payment).where(Payment.account_id == account_id)):
        if p.status in NOT_CREDITED and p.id not in returned_at:
            continue  # cancelled, or reversed with no record of when: it never counted
        events.append(CreditEvent(p.created_at, p.amount))
        if p.id in returned_at:
            events.append(CreditEvent(returned_at[p.id], -p.amount))
    for r in session.scalars(select(Refund).where(Refund.account_id == account_id)):
        events.append(CreditEvent(r.created_at, -r.amount))
    return tuple(sorted(events, key=lambda e: e.at))


def _chain_starts(coverages: Sequence[Coverage]) -> dict[int, date]:
    """A coverage that continues the same enrollee's coverage of the same line from the month
    before (a renewal or a plan change) belongs to that enrollment: it has no binder of its own."""
    starts: dict[int, date] = {}
    for c in coverages:
        start, seen = c.start_month, {c.id}
        while True:
            before = add_months(start, -1)
            prev = next(
                (
                    p
                    for p in coverages
                    if p.enrollee_id == c.enrollee_id
                    and p.line == c.line
                    and p.id not in seen
                    and p.start_month <= before
                    and p.end_month == before
                ),
                None,
            )
            if prev is None:
                break
            start, seen = prev.start_month, seen | {prev.id}
        starts[c.id] = start
    return starts


def allocate(
    lines: Iterable[BillLine],
    credit: Decimal,
    at: datetime,
    *,
    line_order: Sequence[str] = DEFAULT_LINE_ORDER,
    last: frozenset[int] = frozenset(),
) -> dict[tuple[int, date], Decimal]:
    """Outstanding per (coverage id, month) at `at`: credit goes to the oldest month first and,
    within a month, by `line_order`. Coverages in `last` (ended for nonpayment) are paid after
    every other bill, so money a member sends for the coverage they kept is never taken by the
    debt of one that ended."""
    rank = {name: i for i, name in enumerate(line_order)}
    ordered = sorted(
        lines,
        key=lambda b: (b.coverage_id in last, b.month, rank.get(b.line, len(rank)), b.coverage_id),
    )
    owed: dict[tuple[int, date], Decimal] = {}
    for b in ordered:
        amount = b.amount_at(at)
        applied = min(credit, amount) if credit > 0 else ZERO
        credit -= applied
        owed[(b.coverage_id, b.month)] = amount - applied
    return owed
