"""How each back-office notice reads as a text, and until when it is worth sending.

The back office records a notice's facts (`member_notifications.params`); a `NoticeText` turns them
into the message's params, names the date after which the text is useless, and says whether an
amount is its point (such a notice goes by letter when amounts are not allowed in texts).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from billing_core.reminder_eligibility import end_of_window
from ivr.sms.reminder_settings import ReminderSettings
from messages.render import normalize_locale, render


def iso_date(value: Any) -> date | None:
    return date.fromisoformat(str(value)[:10]) if value else None


def _money(value: Any) -> Decimal | None:
    return Decimal(str(value)) if value not in (None, "") else None


@dataclass(frozen=True)
class NoticeText:
    """How a notice kind is worded: the back office's params -> the message's params."""

    params: Callable[[Mapping[str, Any]], dict[str, Any]]
    event: str | None = None  # the message param whose date ends the notice's usefulness
    event_grace_days: int = 0  # still sendable this many days after that date
    has_amount: bool = False  # an amount is the point of the text (none when amounts are off)


TEXTS: dict[str, NoticeText] = {
    "autopay_written_copy": NoticeText(
        lambda p: {
            "authorized_date": iso_date(p.get("authorized_date")),
            "draft_day": p.get("draft_day"),
        }
    ),
    "autopay_paused_copy": NoticeText(
        lambda p: {
            "authorized_date": iso_date(p.get("authorized_date")),
            "skip_draft_date": iso_date(p.get("skip_draft_date")),
            "due_date": iso_date(p.get("due_date")),
            "resume_draft_date": iso_date(p.get("resume_draft_date")),
        }
    ),
    "autopay_resumed_copy": NoticeText(
        lambda p: {
            "authorized_date": iso_date(p.get("authorized_date")),
            "due_date": iso_date(p.get("due_date")),
        }
    ),
    "payment_returned": NoticeText(lambda p: {"amount": _money(p.get("amount"))}, has_amount=True),
    "card_declined": NoticeText(lambda p: {"amount": _money(p.get("amount"))}, has_amount=True),
    "autopay_suspended": NoticeText(lambda p: {}),
    "retry_scheduled": NoticeText(
        lambda p: {"amount": _money(p.get("amount")), "retry_date": iso_date(p.get("date"))},
        event="retry_date",
        has_amount=True,
    ),
    "rege_amount_change": NoticeText(
        lambda p: {
            "previous_amount": _money(p.get("previous_amount")),
            "amount": _money(p.get("amount")),
            "draft_date": iso_date(p.get("draft_date")),
        },
        event="draft_date",
        has_amount=True,
    ),
    "past_due_warning": NoticeText(lambda p: {}),
    "grace_started": NoticeText(
        lambda p: {"grace_end_date": iso_date(p.get("grace_ends"))},
        event="grace_end_date",
        event_grace_days=1,
    ),
    "termination_warning": NoticeText(
        lambda p: {"grace_end_date": iso_date(p.get("grace_ends"))},
        event="grace_end_date",
        event_grace_days=1,
    ),
    "coverage_terminated": NoticeText(
        lambda p: {
            "coverage_end_date": iso_date(p.get("coverage_ends")),
            "reinstate_date": iso_date(p.get("reinstate_by")),
        },
        event="reinstate_date",
        event_grace_days=1,
    ),
    "coverage_line_terminated": NoticeText(
        lambda p: {
            "coverage_line": p.get("line"),
            "coverage_end_date": iso_date(p.get("coverage_ends")),
            "reinstate_date": iso_date(p.get("reinstate_by")),
        },
        event="reinstate_date",
        event_grace_days=1,
    ),
    "coverage_not_started": NoticeText(lambda p: {}),
    "coverage_reinstated": NoticeText(lambda p: {}),
}
KINDS = tuple(TEXTS)


def message_id(kind: str) -> str:
    return f"sms_notice_{kind}"


class CannotText(Exception):
    """This notice cannot go by text; it goes by letter instead. The message is safe to log."""


@dataclass(frozen=True)
class Rendered:
    body: str
    event_date: date | None
    expires_at: datetime


def render_notice(
    kind: str,
    params: Mapping[str, Any],
    locale: str,
    send_after: date,
    settings: ReminderSettings,
) -> Rendered:
    spec = TEXTS[kind]
    values = spec.params(params or {})
    missing = sorted(k for k, v in values.items() if v is None)
    if missing:
        raise CannotText(f"missing {', '.join(missing)}")
    if spec.has_amount and not settings.include_amounts:
        raise CannotText("amounts not allowed in texts")
    body = render(message_id(kind), values, locale=normalize_locale(locale), channel="sms")
    last_day = send_after + timedelta(days=settings.notice_window_days)
    event_date = values[spec.event] if spec.event else None
    if event_date is not None:
        last_day = min(last_day, event_date + timedelta(days=spec.event_grace_days))
    return Rendered(body, event_date, end_of_window(last_day))
