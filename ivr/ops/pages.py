"""The console's pages: what each one shows, how its figures are defined, and where they come from."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from ivr.ops import report, report_billing, report_callbacks
from ivr.ops.figures import Figures
from ivr.ops.periods import Period
from ivr.ops.rollup import load


@dataclass(frozen=True)
class PageSpec:
    slug: str
    title: str
    families: tuple[str, ...]
    build: Callable[[Figures, Period], list[report.Section]]
    definition: str
    # A page read straight from the service's tables rather than from the outcome figures.
    live: Callable[[Engine, Period, datetime], list[report.Section]] | None = None


PAGES = {
    spec.slug: spec
    for spec in (
        PageSpec(
            "containment",
            "Containment",
            ("conversations",),
            report.containment,
            "Containment is self-served conversations divided by all conversations that have "
            "ended. A conversation is self-served when it completed a task (heard the balance or "
            "the due date, made a payment, changed or checked AutoPay, or got an FAQ answer) "
            "without a transfer to a person and without abandonment. Transferred: handed to an "
            "agent on the phone, or told to call in chat and texts. Abandoned: the caller hung up, "
            "or the chat or text conversation went 30 minutes without a message, before any task "
            "was completed. In progress: today's conversations still going (not counted).",
        ),
        PageSpec(
            "intents",
            "Intents and FAQ topics",
            ("intents",),
            report.intents,
            "Every turn by the intent the assistant recognised (a keypad answer or a button names "
            "its intent itself). FAQ topics count the FAQ answers given.",
        ),
        PageSpec(
            "transfers",
            "Transfers and outages",
            ("transfers",),
            report.transfers,
            "Transfers by reason: the caller asked for a person; the assistant did not understand "
            "after re-prompts and offered one; or the assistant was unavailable (outage). Outage "
            "minutes: minutes with at least one turn that found the assistant unavailable (Rasa or "
            "its action server did not answer in time, or Twilio called the fallback URL).",
        ),
        PageSpec(
            "latency",
            "Latency",
            ("latency",),
            report.latency,
            "Time from a webhook or chat message reaching the gateway to its answer leaving it, "
            "Rasa included. p50: half of the turns were answered faster; p95: 19 in 20 were.",
        ),
        PageSpec(
            "payments",
            "Payments",
            ("payments",),
            report_billing.payments,
            "Payments posted each day (America/New_York) by the channel they came through, with "
            "their amount; returns are payments the bank sent back, by the day of the return.",
        ),
        PageSpec(
            "autopay",
            "AutoPay",
            ("autopay",),
            report_billing.autopay,
            "AutoPay enrollments, changes (draft day or bank account), one-draft pauses, "
            "cancellations, and suspensions after a closed-account or unauthorized return, from "
            "the billing audit log.",
        ),
        PageSpec(
            "reminders",
            "Reminders",
            ("reminders",),
            report_billing.reminders,
            "Reminder texts sent each day and what Twilio reported for them (delivered, failed or "
            "undelivered), and numbers that texted STOP that day and have not opted back in.",
        ),
        PageSpec(
            "callbacks",
            "Callbacks",
            (),
            lambda _figures, _period: [],
            "After-hours callers who asked to be called back and have not been yet, whatever the "
            "period: the day and window to call, the language, and what they wanted. Staff close "
            "a request with `python -m ivr.voice callbacks done ID`.",
            live=report_callbacks.waiting,
        ),
    )
}


def build_page(engine: Engine, slug: str, period: Period, now: datetime) -> report.Page:
    spec = PAGES[slug]
    if spec.live is not None:
        return report.Page(spec.slug, spec.title, spec.definition, spec.live(engine, period, now))
    figures = load(engine, period, spec.families, now) if spec.families else Figures()
    return report.Page(spec.slug, spec.title, spec.definition, spec.build(figures, period))


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> object:
    # A spreadsheet would run a cell that starts like a formula; numbers stay numbers.
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def table_csv(table: report.Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.columns)
    writer.writerows([_cell(v) for v in row] for row in table.rows)
    return out.getvalue()
