"""When AutoPay drafts: which bill a draft pays, on which date, for which amount under Reg E.

One set of pure rules, used by the draft job, the Reg E notice planner and the member's status,
so what the member is told is what the job does:

- A draft for coverage month M happens in the month before M on the member's *current* draft
  day, moved to a banking day; never later than the due-date draft (the last banking day on or
  before the 23rd) unless Reg E forbids it.
- Reg E 12 CFR 1005.10(d): a draft whose amount differs from the previous draft (and is outside
  the member's elected range, 1005.10(d)(2)) waits until its notice was *sent* 10 days earlier.
- When a notice could no longer be sent 10 days before the due-date draft (the notice cut-off)
  and the bill went up, the amount drafted last time goes on time and the rest follows as a
  second, noticed draft; when it went down, the draft waits for its notice (after the due date)
  and the member is told so.
- An enrollment drafts from `first_month` (a set-up on or after this month's draft date starts
  with the following month) and skips `skip_month` (a one-draft pause).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from billing_core.backoffice.business_days import next_business_day, previous_business_day
from billing_core.billing_calendar import DUE_DAY, add_months, first_of_month

REG_E_NOTICE_DAYS = 10
PAUSE_CUTOFF_BUSINESS_DAYS = 3  # a pause at least this many banking days before a draft stops it
MAX_SECOND_DRAFTS = 9  # one digit of the draft's confirmation number


def scheduled_draft_date(month_of_draft: date, draft_day: int) -> date:
    """The banking day a draft day falls on in the month of the draft: the previous banking day
    (never after the 23rd due date), or the next one when the previous is in another month."""
    nominal = first_of_month(month_of_draft).replace(day=draft_day)
    before = previous_business_day(nominal)
    return before if before.month == nominal.month else next_business_day(nominal)


def draft_date_for(coverage_month: date, draft_day: int) -> date:
    return scheduled_draft_date(add_months(coverage_month, -1), draft_day)


def due_draft_date(coverage_month: date) -> date:
    """The last banking day on or before the due date: the latest on-time draft."""
    return draft_date_for(coverage_month, DUE_DAY)


def notice_cutoff(coverage_month: date) -> date:
    """The last day a Reg E notice can be sent for a draft on or before the due date."""
    return due_draft_date(coverage_month) - timedelta(days=REG_E_NOTICE_DAYS)


def earliest_after_notice(sent_on: date) -> date:
    return next_business_day(sent_on + timedelta(days=REG_E_NOTICE_DAYS))


def first_drafted_month(on: date, draft_day: int) -> date:
    """The coverage month of the first draft of an enrollment made (or restarted) on `on`: this
    month's draft when its date is still ahead, otherwise next month's."""
    month = add_months(first_of_month(on), 1)
    return month if on < draft_date_for(month, draft_day) else add_months(month, 1)


def pause_cutoff(draft_date: date) -> date:
    """The last day a pause stops a draft: 3 banking days before it."""
    day = draft_date
    for _ in range(PAUSE_CUTOFF_BUSINESS_DAYS):
        day = previous_business_day(day, inclusive=False)
    return day


def month_to_skip(
    today: date, draft_day: int, drafted: set[date], first_month: date | None
) -> date:
    """The coverage month a one-draft pause requested today skips: the next draft not yet made,
    if the request is on or before its cut-off; otherwise the one after."""
    month = add_months(first_of_month(today), 1)
    if first_month is not None and first_month > month:
        month = first_month
    if month in drafted or today > pause_cutoff(draft_date_for(month, draft_day)):
        month = add_months(month, 1)
    return month


@dataclass(frozen=True)
class NoticeFact:
    sequence: int  # 0 the month's draft, 1.. a second draft
    amount_cents: int
    sent_on: date | None  # Eastern date the text was accepted or the letter batch released
    draft_on: date  # the date the notice announced


@dataclass(frozen=True)
class MonthFacts:
    coverage_month: date
    due_cents: int  # still owed on the month, pending payments counted
    drafts: int  # AutoPay drafts already made for the month
    any_returned: bool  # one of them came back: returns and retries take over
    notices: tuple[NoticeFact, ...] = ()


@dataclass(frozen=True)
class EnrollmentFacts:
    draft_day: int
    status: str
    first_month: date | None
    skip_month: date | None
    last_cents: int | None
    range_cents: tuple[int, int] | None = None
    retry_scheduled: bool = False


@dataclass(frozen=True)
class Draft:
    sequence: int
    amount_cents: int


@dataclass(frozen=True)
class NoticeWanted:
    sequence: int
    amount_cents: int
    previous_cents: int | None
    draft_on: date


def drafts_month(e: EnrollmentFacts, month: date) -> bool:
    return (
        e.status == "active"
        and (e.first_month is None or e.first_month <= month)
        and (e.skip_month is None or e.skip_month != month)
    )


def needs_notice(e: EnrollmentFacts, amount_cents: int) -> bool:
    if e.last_cents is None or e.last_cents == amount_cents:
        return False
    return not (e.range_cents and e.range_cents[0] <= amount_cents <= e.range_cents[1])


def _open(e: EnrollmentFacts, m: MonthFacts) -> bool:
    return (
        drafts_month(e, m.coverage_month)
        and not e.retry_scheduled
        and m.due_cents > 0
        and not m.any_returned
        and m.drafts <= MAX_SECOND_DRAFTS
    )


def cleared(e: EnrollmentFacts, m: MonthFacts, amount_cents: int, run_date: date) -> bool:
    """May `amount_cents` be drafted on `run_date` as draft number `m.drafts` of the month?"""
    if not needs_notice(e, amount_cents):
        return True
    latest_sent = run_date - timedelta(days=REG_E_NOTICE_DAYS)
    return any(
        n.sequence == m.drafts
        and n.amount_cents == amount_cents
        and n.sent_on is not None
        and n.sent_on <= latest_sent
        for n in m.notices
    )


def draft_now(e: EnrollmentFacts, m: MonthFacts, run_date: date) -> Draft | None:
    """The draft to make on `run_date` for this month, if any (the job runs on banking days)."""
    if not _open(e, m):
        return None
    if m.drafts == 0 and run_date < draft_date_for(m.coverage_month, e.draft_day):
        return None
    if cleared(e, m, m.due_cents, run_date):
        return Draft(m.drafts, m.due_cents)
    last = e.last_cents
    if (
        m.drafts == 0
        and run_date >= due_draft_date(m.coverage_month)
        and last is not None
        and 0 < last < m.due_cents
    ):
        # The bill went up too late to notice: what was drafted last time needs no notice.
        return Draft(0, last)
    return None


def notice_wanted(e: EnrollmentFacts, m: MonthFacts, today: date) -> NoticeWanted | None:
    """The Reg E notice to record today for this month, if one is needed and not yet recorded."""
    if not _open(e, m):
        return None
    earliest = earliest_after_notice(today)
    wanted: NoticeWanted | None = None
    if m.drafts == 0:
        if not needs_notice(e, m.due_cents):
            return None
        planned = max(draft_date_for(m.coverage_month, e.draft_day), earliest)
        noticed = [n for n in m.notices if n.sequence == 0 and n.amount_cents == m.due_cents]
        if noticed:
            # Already noticed: it either lands on time (sent, or could still be sent today) or
            # the bill must be split as below.
            ready = min(earliest_after_notice(n.sent_on or today) for n in noticed)
            planned = max(draft_date_for(m.coverage_month, e.draft_day), ready)
            if planned <= due_draft_date(m.coverage_month):
                return None
        last = e.last_cents
        if planned > due_draft_date(m.coverage_month) and last is not None and last < m.due_cents:
            # Too late to notice the whole bill for the due date: the last amount goes on time
            # (no notice needed) and the rest is noticed now as a second draft.
            rest = m.due_cents - last
            if needs_notice(e, rest):
                wanted = NoticeWanted(1, rest, last, earliest)
        else:
            wanted = NoticeWanted(0, m.due_cents, last, planned)
    elif needs_notice(e, m.due_cents):
        wanted = NoticeWanted(m.drafts, m.due_cents, e.last_cents, earliest)
    if wanted is None or any(
        n.sequence == wanted.sequence and n.amount_cents == wanted.amount_cents for n in m.notices
    ):
        return None
    return wanted


def draft_key(account_id: int, coverage_month: date, sequence: int = 0) -> str:
    base = f"autopay:{account_id}:{coverage_month:%Y-%m}"
    return base if sequence == 0 else f"{base}:{sequence}"


def draft_confirmation(account_id: int, coverage_month: date, sequence: int) -> str:
    """16 digits, one per (account, coverage month, draft): never the shape of another payment's."""
    return f"{coverage_month:%y%m}{sequence}{account_id + 10**10}"


@dataclass(frozen=True)
class Forecast:
    draft_on: date | None
    amount_cents: int
    sequence: int


def forecast(e: EnrollmentFacts, m: MonthFacts, today: date, horizon_days: int = 45) -> Forecast:
    """When the job will draft this month's bill if nothing changes and any notice it needs goes
    out today (the planner records notices the day they become needed)."""
    wanted = notice_wanted(e, m, today)
    if wanted is not None:
        hypothetical = NoticeFact(wanted.sequence, wanted.amount_cents, today, wanted.draft_on)
        m = MonthFacts(**{**m.__dict__, "notices": (*m.notices, hypothetical)})
    pending = tuple(
        NoticeFact(n.sequence, n.amount_cents, n.sent_on or today, n.draft_on) for n in m.notices
    )
    m = MonthFacts(**{**m.__dict__, "notices": pending})
    day = next_business_day(today)
    end = today + timedelta(days=horizon_days)
    while day <= end:
        draft = draft_now(e, m, day)
        if draft is not None:
            return Forecast(day, draft.amount_cents, draft.sequence)
        day = next_business_day(day, inclusive=False)
    return Forecast(None, 0, m.drafts)
