"""Delinquency at a given instant: current, past due, in grace, or terminated with the coverage end
date, per coverage and for the account as a whole.

Delinquency is per coverage (billing_core.grace): an unpaid dental bill ends the dental coverage
only. Members with APTC or ConnectorCare get a 3-month grace period from the first unpaid month;
if it runs out with premiums still unpaid, coverage ends on the last day of the first grace month.
Everyone else has a short grace period to the end of the month the payment was due, after which
coverage ends with the last fully paid month. An unpaid first (binder) bill means coverage never
starts. $0 months are covered months.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from billing_core.accounts import get_account
from billing_core.coverage_ledger import ZERO, load_coverage_ledger
from billing_core.grace import SUBSIDIZED_GRACE_MONTHS, CoverageDelinquency, replay
from billing_core.unit_of_work import UnitOfWork

__all__ = ["SUBSIDIZED_GRACE_MONTHS", "CoverageDelinquency", "Delinquency", "delinquency_state"]

_SEVERITY = {"current": 0, "past_due": 1, "grace": 2, "terminated": 3}


@dataclass(frozen=True)
class Delinquency:
    """The account's headline state (the most urgent coverage still in force, or the ended
    coverage when every billed coverage ended) and the state of each coverage."""

    state: str  # current | past_due | grace | terminated
    past_due_amount: Decimal
    missed_month: date | None = None  # the first coverage month not paid by its due date
    grace_ends: date | None = None
    coverage_ends: date | None = None
    reason: str | None = None  # subsidized_grace | short_grace | binder_unpaid
    reinstate_by: date | None = None
    terminated_on: date | None = None
    episode_started: date | None = None
    reopened: bool = False
    final: bool = False
    coverages: tuple[CoverageDelinquency, ...] = ()

    @property
    def ended_coverages(self) -> tuple[CoverageDelinquency, ...]:
        """Coverages ended for nonpayment (all of them when the account is terminated)."""
        return tuple(c for c in self.coverages if c.state == "terminated")


def _headline(coverages: list[CoverageDelinquency], order: tuple[str, ...]) -> CoverageDelinquency:
    rank = {name: i for i, name in enumerate(order)}
    return min(
        coverages,
        key=lambda c: (
            -_SEVERITY[c.state],
            c.missed_month or date.max,
            rank.get(c.line, len(rank)),
            c.coverage_id,
        ),
    )


def delinquency_state(uow: UnitOfWork, account_number: str, *, on: datetime) -> Delinquency:
    account = get_account(uow, account_number)
    order = tuple(uow.settings.payment_line_order)
    per = replay(load_coverage_ledger(uow.session, account.id), on, order)
    billed = [c for c in per.values() if c.billed]
    past_due = sum((c.past_due_amount for c in billed), ZERO)
    coverages = tuple(sorted(per.values(), key=lambda c: c.coverage_id))
    if not billed:
        return Delinquency("current", ZERO, coverages=coverages)
    in_force = [c for c in billed if c.state != "terminated"]
    head = _headline(in_force or billed, order)
    if head.state == "current":
        return Delinquency("current", past_due, coverages=coverages)
    return Delinquency(
        state=head.state,
        past_due_amount=past_due,
        missed_month=head.missed_month,
        grace_ends=head.grace_ends,
        coverage_ends=head.coverage_ends,
        reason=head.reason,
        reinstate_by=head.reinstate_by,
        terminated_on=head.terminated_on,
        episode_started=head.episode_started,
        reopened=head.reopened,
        final=head.final,
        coverages=coverages,
    )
