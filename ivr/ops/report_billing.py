"""The billing pages' sections: payments and returns, AutoPay changes, reminder texts."""

from __future__ import annotations

from collections import defaultdict

from ivr.ops.charts import bar_chart, day_chart
from ivr.ops.figures import Figures
from ivr.ops.periods import Period
from ivr.ops.report import Cell, Section, Table, money


def payments(fig: Figures, period: Period) -> list[Section]:
    posted, returned, by_channel = [], [], defaultdict(int)
    for c in sorted(fig.counts, key=lambda c: (c.day, c.channel)):
        if c.metric == "payments":
            posted.append([c.day.isoformat(), c.channel, c.count, money(c.cents)])
            by_channel[c.channel] += c.cents
        elif c.metric == "returns":
            returned.append([c.day.isoformat(), c.channel, c.count, money(c.cents)])
    return [
        Section(
            "Payments by channel and day",
            bar_chart(
                "Amount paid by channel ($)",
                [(k, v / 100) for k, v in sorted(by_channel.items(), key=lambda kv: -kv[1])],
            ),
            Table(
                "payments",
                "Payments posted, by day and channel",
                ["Day", "Channel", "Payments", "Amount ($)"],
                posted,
            ),
        ),
        Section(
            "Returns",
            bar_chart(
                "Returned payments by day", [(str(r[0]), float(r[2])) for r in returned][-30:]
            ),
            Table(
                "returns",
                "Payments returned by the bank, by return day and channel",
                ["Day", "Channel", "Returns", "Amount ($)"],
                returned,
            ),
        ),
    ]


def _daily(fig: Figures, period: Period, metric: str, keys: list[str]) -> list[list[Cell]]:
    table = {d.isoformat(): dict.fromkeys(keys, 0) for d in period.days}
    for c in fig.counts:
        if c.metric == metric and c.key in keys:
            table[c.day.isoformat()][c.key] += c.count
    return [[d, *n.values()] for d, n in table.items()]


def autopay(fig: Figures, period: Period) -> list[Section]:
    keys = ["enrolled", "changed", "paused", "cancelled", "suspended"]
    rows = _daily(fig, period, "autopay", keys)
    series = [
        (k.capitalize(), [float(r[1 + i]) for r in rows])
        for i, k in enumerate(keys)
        if k != "paused"
    ]
    return [
        Section(
            "AutoPay enrollments, changes and cancellations",
            day_chart("AutoPay changes by day", [str(r[0]) for r in rows], series),
            Table(
                "autopay",
                "AutoPay enrollments, changes, pauses, cancellations and suspensions (after a return) by day",
                ["Day", *[k.capitalize() for k in keys]],
                rows,
            ),
        )
    ]


def reminders(fig: Figures, period: Period) -> list[Section]:
    statuses: dict[str, dict[str, int]] = {d.isoformat(): defaultdict(int) for d in period.days}
    for c in fig.counts:
        if c.metric in ("reminder", "opt_out"):
            statuses[c.day.isoformat()][c.key or "opt_out"] += c.count
    rows: list[list[Cell]] = []
    for day, n in statuses.items():
        sent = sum(v for k, v in n.items() if k != "opt_out")
        failed = n.get("failed", 0) + n.get("undelivered", 0)
        rows.append([day, sent, n.get("delivered", 0), failed, n.get("opt_out", 0)])
    return [
        Section(
            "Reminder texts by day",
            day_chart(
                "Reminder texts by day",
                [str(r[0]) for r in rows],
                [
                    (name, [float(r[i]) for r in rows])
                    for i, name in ((1, "Sent"), (2, "Delivered"), (3, "Failed"), (4, "Opt-outs"))
                ],
            ),
            Table(
                "reminders",
                "Reminder texts sent, delivered and failed, and opt-outs (STOP), by day",
                ["Day", "Sent", "Delivered", "Failed or undelivered", "Opt-outs"],
                rows,
            ),
        )
    ]
