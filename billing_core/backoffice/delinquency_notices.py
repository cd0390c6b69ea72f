"""The notices of a delinquency episode: past-due warning, one "grace started" and one termination
warning per grace month, termination (of the account, of one coverage, or of a binder that never
started), and reinstatement. Every dedupe key names the episode (its first unpaid month and the day
it began), so a job that runs every day sends each notice once, and a later episode (a return, a
new missed month after catching up) gets its own."""

from __future__ import annotations

from datetime import date

from billing_core.backoffice.models import AccountStanding
from billing_core.backoffice.notifications import Notifier
from billing_core.delinquency import Delinquency
from billing_core.models import Account


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def send_notices(
    account: Account,
    d: Delinquency,
    prev: AccountStanding | None,
    today: date,
    notifier: Notifier,
) -> dict:
    """Record the notices today's state calls for; returns the params of the headline episode."""
    episode = f"{account.id}:{d.missed_month}:{d.episode_started}"
    params = {
        "past_due_amount": str(d.past_due_amount),
        "missed_month": _iso(d.missed_month),
        "grace_ends": _iso(d.grace_ends),
    }
    if d.state == "past_due":
        notifier.notify(
            account, "past_due_warning", params, dedupe_key=f"past_due:{episode}", on=today
        )
    elif d.state == "grace":
        notifier.notify(
            account,
            "grace_started",
            params | {"reopened": d.reopened},
            dedupe_key=f"grace:{episode}",
            on=today,
        )
        # One termination warning in each month of the 3-month grace (a single one otherwise).
        k = 1
        if d.reason == "subsidized_grace" and not d.reopened and d.missed_month:
            k = max(_months_between(d.missed_month, today), 0) + 1
        notifier.notify(
            account,
            "termination_warning",
            {**params, "warning": k},
            dedupe_key=f"term_warn:{episode}:{k}",
            on=today,
        )
    whole = d.state == "terminated"
    for c in d.ended_coverages:
        ended = {
            **params,
            "missed_month": _iso(c.missed_month),
            "coverage_ends": _iso(c.coverage_ends),
            "reason": c.reason,
            "reinstate_by": _iso(c.reinstate_by),
        }
        if whole and c.reason == "binder_unpaid":
            kind, key = "coverage_not_started", f"terminated:{episode}"
        elif whole:
            kind, key = "coverage_terminated", f"terminated:{episode}"
        else:
            kind = "coverage_line_terminated"
            key = f"terminated:{account.id}:{c.coverage_id}:{c.missed_month}:{c.episode_started}"
            ended["line"] = c.line
        if c.terminated_on == today or not c.final:
            notifier.notify(account, kind, ended, dedupe_key=key, on=today)
    since = prev.evaluated_on if prev else today
    for c in d.coverages:
        if c.state != "terminated" and c.reinstated_on and c.reinstated_on >= since:
            notifier.notify(
                account,
                "coverage_reinstated",
                {},
                dedupe_key=f"reinstated:{account.id}:{c.reinstated_on}",
                on=today,
            )
    return params
