"""The Reg E notice planner: records a notice the day a coming draft's amount needs one.

12 CFR 1005.10(d)(1): a draft that varies from the previous one needs written notice of its
amount and date at least 10 days before it; (d)(2): a member may elect notice only when a draft
falls outside a range. The rules of which draft needs which notice and when are in
billing_core.autopay_schedule (shared with the draft job); this module writes the `rege_notices`
row and the member's notice (text or letter) in one transaction, once per amount.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from billing_core.autopay_schedule import notice_wanted
from billing_core.backoffice.draft_facts import (
    CHUNK_DEFAULT,
    load_facts,
    lock_chunk,
    months_in_play,
)
from billing_core.backoffice.models import MemberNotification, RegENotice
from billing_core.billing_calendar import eastern_date
from billing_core.models import ContactPhone
from billing_core.sql import from_cents, insert_for
from billing_core.unit_of_work import UnitOfWork

Progress = Callable[[int], None]


@dataclass(frozen=True)
class NoticePlan:
    notices: int


def notification_key(account_id: int, month: date, sequence: int, amount_cents: int) -> str:
    """The notice's outbox dedupe key (the form before second drafts is kept for sequence 0)."""
    if sequence == 0:
        return f"rege:{account_id}:{month:%Y-%m}:{amount_cents}"
    return f"rege:{account_id}:{month:%Y-%m}:{sequence}:{amount_cents}"


def plan_rege_notices(
    uow_factory: Callable[[], UnitOfWork],
    *,
    now: datetime,
    today: date | None = None,
    chunk: int = CHUNK_DEFAULT,
    progress: Progress = lambda _: None,
) -> NoticePlan:
    """Record a Reg E notice for every coming draft whose amount needs one and has none yet."""
    today = today or eastern_date(now)
    created, after = 0, 0
    while True:
        with uow_factory() as uow:
            ids = lock_chunk(uow, after, chunk)
            if not ids:
                break
            created += _plan_chunk(uow, ids, today, now)
            after = ids[-1]
        progress(len(ids))
    return NoticePlan(created)


def _plan_chunk(uow: UnitOfWork, ids: list[int], today: date, now: datetime) -> int:
    session = uow.session
    texts = set(
        session.scalars(
            select(ContactPhone.account_id).where(
                ContactPhone.account_id.in_(ids),
                ContactPhone.sms_opt_in.is_(True),
                ContactPhone.opted_out_at.is_(None),
            )
        )
    )
    notices, outbox = [], []
    for facts in load_facts(session, ids, months_in_play(today)):
        for month, month_facts in sorted(facts.months.items()):
            wanted = notice_wanted(facts.enrollment, month_facts, today)
            if wanted is None:
                continue
            key = notification_key(facts.account_id, month, wanted.sequence, wanted.amount_cents)
            amount = from_cents(wanted.amount_cents)
            previous = (
                from_cents(wanted.previous_cents) if wanted.previous_cents is not None else None
            )
            notices.append(
                {
                    "account_id": facts.account_id,
                    "coverage_month": month,
                    "sequence": wanted.sequence,
                    "notification_key": key,
                    "amount": amount,
                    "previous_amount": previous,
                    "noticed_on": today,
                    "draft_on": wanted.draft_on,
                    "created_at": now,
                }
            )
            outbox.append(
                {
                    "account_id": facts.account_id,
                    "kind": "rege_amount_change",
                    "channel": "sms" if facts.account_id in texts else "mail",
                    "language": facts.language,
                    "params": {
                        "amount": str(amount),
                        "previous_amount": str(previous) if previous is not None else None,
                        "draft_date": wanted.draft_on.isoformat(),
                        "coverage_month": f"{month:%Y-%m}",
                        "sequence": wanted.sequence,
                    },
                    "dedupe_key": key,
                    "send_after": today,
                    "created_at": now,
                }
            )
    if not notices:
        return 0
    insert = insert_for(session)
    made = session.execute(
        insert(RegENotice)
        .on_conflict_do_nothing(
            index_elements=["account_id", "coverage_month", "sequence", "amount"]
        )
        .returning(RegENotice.account_id),
        notices,
    ).all()
    session.execute(
        insert(MemberNotification).on_conflict_do_nothing(index_elements=["dedupe_key"]), outbox
    )
    return len(made)
