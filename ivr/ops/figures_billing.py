"""The billing pages' figures of one day: payments and returns, AutoPay changes, reminder texts.

Read from the billing tables through an index on each one's time column (ivr/ops/models.py).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, func, select, type_coerce

from billing_core.backoffice.models import PaymentReversal
from billing_core.models import AuditEvent, Payment
from ivr.ops.figures_types import Count
from ivr.sms.models import SmsMessage, SmsOptOut

AUTOPAY_ACTIONS = (
    "autopay_enrolled",
    "autopay_changed",
    "autopay_paused",
    "autopay_cancelled",
    "autopay_suspended",
)


def _payments(conn, day, start, end, now, figures) -> None:  # type: ignore[no-untyped-def]
    p = Payment.__table__.c
    cents = type_coerce(p.amount, BigInteger)
    for channel, count, total in conn.execute(
        select(p.channel, func.count(), func.sum(cents))
        .where(p.created_at >= start, p.created_at < end)
        .group_by(p.channel)
    ):
        figures.counts.append(Count(day, "payments", "posted", channel, "", count, int(total or 0)))
    r = PaymentReversal.__table__.c
    for channel, count, total in conn.execute(
        select(p.channel, func.count(), func.sum(type_coerce(r.amount, BigInteger)))
        .select_from(PaymentReversal.__table__.join(Payment.__table__, r.payment_id == p.id))
        .where(r.returned_on == day)
        .group_by(p.channel)
    ):
        figures.counts.append(
            Count(day, "returns", "returned", channel, "", count, int(total or 0))
        )


def _autopay(conn, day, start, end, now, figures) -> None:  # type: ignore[no-untyped-def]
    a = AuditEvent.__table__.c
    for action, count in conn.execute(
        select(a.action, func.count())
        .where(a.action.in_(AUTOPAY_ACTIONS), a.at >= start, a.at < end)
        .group_by(a.action)
    ):
        figures.counts.append(
            Count(day, "autopay", action.removeprefix("autopay_"), "all", "", count)
        )


def _reminders(conn, day, start, end, now, figures) -> None:  # type: ignore[no-untyped-def]
    m = SmsMessage.__table__.c
    for status, count in conn.execute(
        select(m.status, func.count())
        .where(m.created_at >= start, m.created_at < end, m.purpose == "reminder")
        .group_by(m.status)
    ):
        figures.counts.append(Count(day, "reminder", status, "sms", "", count))
    o = SmsOptOut.__table__.c
    opted_out = conn.scalar(
        select(func.count()).where(o.opted_out_at >= start, o.opted_out_at < end)
    )
    figures.counts.append(Count(day, "opt_out", "", "sms", "", int(opted_out or 0)))


BILLING_QUERIES = {"payments": _payments, "autopay": _autopay, "reminders": _reminders}
