"""Delinquency episodes per coverage, replayed over the ledger's history up to an instant.

An episode starts the moment a coverage has a bill past its due time that is not fully paid and
ends only when every bill of that coverage then due is paid. Its pay-by date is fixed when it
starts (45 CFR 156.270(g): the 3-month grace runs from the first unpaid month and does not move),
so paying one old month while the next is already late does not restart anything. Replaying
(rather than reading today's balance) is what lets a return or a raised bill open an episode
*when it happens*, with a pay-by date after it (956 CMR 12.12(2)), instead of backwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from billing_core.billing_calendar import EASTERN, add_months, eastern_date, last_day_of_month
from billing_core.coverage_ledger import (
    JUST_AFTER,
    ZERO,
    BillLine,
    CoverageLedger,
    allocate,
)
from billing_core.models import Coverage

SUBSIDIZED_GRACE_MONTHS = 3
REINSTATEMENT_DAYS = 35  # from the termination (notice) date, Health Connector practice
# A return or a raised bill that makes a month unpaid after its due date: the member gets a notice
# and this many days to pay before the coverage can end (never less than the normal grace).
REOPENED_PAY_BY_DAYS = 30


@dataclass(frozen=True)
class CoverageDelinquency:
    coverage_id: int
    line: str
    state: str  # current | past_due | grace | terminated
    past_due_amount: Decimal
    missed_month: date | None = None  # the first unpaid month of the (last) episode
    grace_ends: date | None = None  # the pay-by date of the episode
    coverage_ends: date | None = None  # None for a binder: coverage never started
    reason: str | None = None  # subsidized_grace | short_grace | binder_unpaid
    episode_started: date | None = None
    reopened: bool = False  # opened by a return or a raised bill after the due date
    terminated_on: date | None = None
    reinstate_by: date | None = None  # None once the window closed (or for a binder)
    final: bool = False
    reinstated_on: date | None = None  # the last termination ended by paying in full
    billed: bool = False  # the coverage has at least one bill


@dataclass
class _Episode:
    start: datetime
    missed: date
    reason: str
    grace_ends: date
    coverage_ends: date | None
    reopened: bool


@dataclass
class _Track:
    coverage: Coverage
    chain_start: date
    episode: _Episode | None = None
    terminated_on: date | None = None
    reinstate_by: date | None = None
    final: bool = False
    reinstated_on: date | None = None


def _midnight_after(d: date) -> datetime:
    return datetime.combine(d + timedelta(days=1), time(0), tzinfo=EASTERN).astimezone(UTC)


def grace_eligible(track: _Track, missed: date) -> bool:
    """APTC / ConnectorCare members get the 3-month grace once they paid one full month of the
    benefit year (45 CFR 156.270(d)). Every month of the enrollment before `missed` is paid (money
    goes to the oldest month first) and a $0 month counts as paid, so that holds whenever
    `missed` is not the enrollment's first month. For January of a renewal, the months paid in
    the year before count too: the enrollment continues (CMS, grace periods across benefit years,
    2014), so a renewing member is never treated as a new binder."""
    return bool(track.coverage.subsidized) and missed > track.chain_start


def _open(track: _Track, missed: date, line: BillLine, at: datetime) -> _Episode:
    reopened = at > line.due_at + JUST_AFTER
    if missed <= track.chain_start:
        reason, ends, coverage_ends = "binder_unpaid", missed - timedelta(days=1), None
    elif grace_eligible(track, missed):
        months = SUBSIDIZED_GRACE_MONTHS - 1
        reason, ends = "subsidized_grace", last_day_of_month(add_months(missed, months))
        coverage_ends = last_day_of_month(missed)
    else:
        reason, ends = "short_grace", missed - timedelta(days=1)
        coverage_ends = missed - timedelta(days=1)  # the last fully paid month
    if reopened:
        ends = max(ends, eastern_date(at) + timedelta(days=REOPENED_PAY_BY_DAYS))
    return _Episode(at, missed, reason, ends, coverage_ends, reopened)


def _expire(track: _Track, at: datetime) -> None:
    """Deadlines that passed before `at`: an unpaid episode ends the coverage; a reinstatement
    window that closed makes the termination final."""
    ep = track.episode
    if ep is not None and track.terminated_on is None and _midnight_after(ep.grace_ends) <= at:
        track.terminated_on = ep.grace_ends + timedelta(days=1)
        if ep.reason == "binder_unpaid":
            track.final = True  # coverage never started: nothing to reinstate
        else:
            track.reinstate_by = track.terminated_on + timedelta(days=REINSTATEMENT_DAYS)
    if track.reinstate_by is not None and _midnight_after(track.reinstate_by) <= at:
        track.final, track.reinstate_by = True, None


def _step(track: _Track, late: list[BillLine], at: datetime) -> None:
    if track.final:
        return
    if track.terminated_on is not None:
        if not late:  # paid in full inside the window
            track.reinstated_on = eastern_date(at)
            track.episode = None
            track.terminated_on = track.reinstate_by = None
        return
    if track.episode is not None:
        if not late:
            track.episode = None
        return
    if late:
        track.episode = _open(track, late[0].month, late[0], at)


def replay(
    ledger: CoverageLedger, on: datetime, line_order: Sequence[str]
) -> dict[int, CoverageDelinquency]:
    tracks = {c.id: _Track(c, ledger.chain_start[c.id]) for c in ledger.coverages}
    lines_of: dict[int, list[BillLine]] = {cid: [] for cid in tracks}
    for b in ledger.lines:
        lines_of.setdefault(b.coverage_id, []).append(b)
    moments = {b.due_at + JUST_AFTER for b in ledger.lines}
    moments |= {c.at for c in ledger.credits}
    moments |= {issued for b in ledger.lines for issued, _ in b.revisions}
    owed: dict[tuple[int, date], Decimal] = {}
    for at in [*sorted(m for m in moments if m < on), on]:
        for track in tracks.values():
            _expire(track, at)
        last = frozenset(cid for cid, t in tracks.items() if t.terminated_on is not None)
        owed = allocate(ledger.lines, ledger.credit_at(at), at, line_order=line_order, last=last)
        for cid, track in tracks.items():
            late = sorted(
                (b for b in lines_of[cid] if b.due_at < at and owed[(cid, b.month)] > 0),
                key=lambda b: b.month,
            )
            _step(track, late, at)
    return {cid: _result(track, lines_of[cid], owed, on) for cid, track in tracks.items()}


def _result(
    track: _Track, lines: list[BillLine], owed: dict[tuple[int, date], Decimal], on: datetime
) -> CoverageDelinquency:
    c = track.coverage
    past_due = sum((owed[(c.id, b.month)] for b in lines if b.due_at < on), ZERO)
    base = dict(
        coverage_id=c.id,
        line=c.line,
        past_due_amount=past_due,
        reinstated_on=track.reinstated_on,
        billed=bool(lines),
    )
    ep = track.episode
    if ep is None:
        return CoverageDelinquency(state="current", **base)
    episode = dict(
        missed_month=ep.missed,
        grace_ends=ep.grace_ends,
        reason=ep.reason,
        episode_started=eastern_date(ep.start),
        reopened=ep.reopened,
    )
    if track.terminated_on is not None:
        return CoverageDelinquency(
            state="terminated",
            coverage_ends=ep.coverage_ends,
            terminated_on=track.terminated_on,
            reinstate_by=track.reinstate_by,
            final=track.final,
            **episode,
            **base,
        )
    today = eastern_date(on)
    if ep.reason == "binder_unpaid" or (ep.reason == "subsidized_grace" and today < ep.missed):
        state = "past_due"
    else:
        state = "grace"
    return CoverageDelinquency(state=state, **episode, **base)
