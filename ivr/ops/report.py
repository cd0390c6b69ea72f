"""Each console page as sections (a chart, the same numbers as a table, a CSV of that table);
here the conversation pages: containment, intents and FAQ topics, transfers, latency."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from markupsafe import Markup

from ivr.ops.charts import bar_chart, day_chart
from ivr.ops.figures import Figures
from ivr.ops.periods import Period
from ivr.outcomes.vocabulary import TASK_LABELS, TRANSFER_REASONS

Cell = str | int | float


@dataclass
class Table:
    name: str  # the CSV's name
    caption: str
    columns: list[str]
    rows: list[list[Cell]]


@dataclass
class Section:
    title: str
    chart: Markup
    table: Table


@dataclass
class Page:
    slug: str
    title: str
    definition: str
    sections: list[Section] = field(default_factory=list)


NO_DATA = "—"  # a share of nothing is no figure, not 0 %


def _pct(part: int, whole: int) -> float | str:
    return round(100 * part / whole, 1) if whole else NO_DATA


def money(cents: int) -> str:
    return f"{Decimal(cents) / 100:,.2f}"


def containment(fig: Figures, period: Period) -> list[Section]:
    by_group: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_day: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    tasks: dict[str, int] = defaultdict(int)
    for c in fig.counts:
        if c.metric == "conversations":
            by_group[(c.channel, c.language)][c.key] += c.count
            by_day[c.day.isoformat()][c.key] += c.count
        elif c.metric == "task":
            tasks[c.key] += c.count
    rows: list[list[Cell]] = []
    totals: dict[str, int] = defaultdict(int)
    for (channel, language), n in sorted(by_group.items()):
        for k, v in n.items():
            totals[k] += v
        rows.append(_containment_row(channel, language, n))
    if rows:
        rows.append(_containment_row("all", "all", totals))
    day_rows: list[list[Cell]] = []
    for day in [d.isoformat() for d in period.days]:
        n = by_day.get(day, {})
        ended = sum(n.get(k, 0) for k in ("self_served", "transferred", "abandoned"))
        day_rows.append([day, ended, n.get("self_served", 0), _pct(n.get("self_served", 0), ended)])
    task_rows: list[list[Cell]] = [
        [TASK_LABELS[k], v] for k, v in sorted(tasks.items(), key=lambda kv: -kv[1])
    ]
    return [
        Section(
            "Containment by channel and language",
            bar_chart(
                "Containment (%) by channel and language",
                [(f"{r[0]} / {r[1]}", float(r[-1])) for r in rows if r[-1] != NO_DATA],
                "%",
            ),
            Table(
                "containment",
                "Conversations by channel and language, and the share self-served",
                [
                    "Channel",
                    "Language",
                    "Ended",
                    "Self-served",
                    "Transferred",
                    "Abandoned",
                    "In progress",
                    "Containment (%)",
                ],
                rows,
            ),
        ),
        Section(
            "Containment by day",
            day_chart(
                "Containment (%) by day",
                [str(r[0]) for r in day_rows if r[3] != NO_DATA],
                [("Containment", [float(r[3]) for r in day_rows if r[3] != NO_DATA])],
                "%",
            ),  # type: ignore[misc]
            Table(
                "containment-by-day",
                "Ended conversations and containment by day",
                ["Day", "Ended", "Self-served", "Containment (%)"],
                day_rows,
            ),
        ),
        Section(
            "Tasks completed",
            bar_chart(
                "Conversations that completed each task", [(r[0], float(r[1])) for r in task_rows]
            ),  # type: ignore[misc]
            Table(
                "tasks",
                "Conversations that completed each task",
                ["Task", "Conversations"],
                task_rows,
            ),
        ),
    ]


def _containment_row(channel: str, language: str, n: dict[str, int]) -> list[Cell]:
    ended = n.get("self_served", 0) + n.get("transferred", 0) + n.get("abandoned", 0)
    return [
        channel,
        language,
        ended,
        n.get("self_served", 0),
        n.get("transferred", 0),
        n.get("abandoned", 0),
        n.get("open", 0),
        _pct(n.get("self_served", 0), ended),
    ]


def _ranked(fig: Figures, metric: str) -> list[list[Cell]]:
    totals: dict[str, int] = defaultdict(int)
    for c in fig.counts:
        if c.metric == metric:
            totals[c.key] += c.count
    whole = sum(totals.values())
    return [
        [k, v, _pct(v, whole)] for k, v in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def intents(fig: Figures, period: Period) -> list[Section]:
    intent_rows = _ranked(fig, "intent")
    topic_rows = _ranked(fig, "faq")
    return [
        Section(
            "Top intents",
            bar_chart(
                "Turns by intent (top 15)", [(str(r[0]), float(r[1])) for r in intent_rows[:15]]
            ),
            Table(
                "intents",
                "Turns by the intent the assistant recognised",
                ["Intent", "Turns", "Share (%)"],
                intent_rows,
            ),
        ),
        Section(
            "Top FAQ topics",
            bar_chart(
                "FAQ answers by topic (top 15)", [(str(r[0]), float(r[1])) for r in topic_rows[:15]]
            ),
            Table(
                "faq-topics",
                "FAQ answers given, by topic",
                ["Topic", "Answers", "Share (%)"],
                topic_rows,
            ),
        ),
    ]


def transfers(fig: Figures, period: Period) -> list[Section]:
    reasons: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    outage: dict[str, list[int]] = {d.isoformat(): [0, 0] for d in period.days}
    for c in fig.counts:
        if c.metric == "transfer":
            reasons[c.key][c.channel] += c.count
        elif c.metric == "outage_minutes":
            outage[c.day.isoformat()][0] += c.count
        elif c.metric == "outage_turns":
            outage[c.day.isoformat()][1] += c.count
    channels = ["voice", "sms", "chat"]
    rows: list[list[Cell]] = [
        [TRANSFER_REASONS.get(k, k), *(n.get(ch, 0) for ch in channels), sum(n.values())]
        for k, n in sorted(reasons.items(), key=lambda kv: -sum(kv[1].values()))
    ]
    outage_rows: list[list[Cell]] = [[d, m, t] for d, (m, t) in outage.items()]
    return [
        Section(
            "Transfers by reason",
            bar_chart(
                "Conversations handed to a person, by reason",
                [(str(r[0]), float(r[-1])) for r in rows],
            ),
            Table(
                "transfers",
                "Transfers to a person by reason and channel",
                ["Reason", "Voice", "SMS", "Chat", "Total"],
                rows,
            ),
        ),
        Section(
            "Outage minutes",
            day_chart(
                "Outage minutes by day",
                [r[0] for r in outage_rows],
                [("Outage minutes", [float(r[1]) for r in outage_rows])],
            ),  # type: ignore[misc]
            Table(
                "outages",
                "Minutes with at least one outage fallback, and such turns, by day",
                ["Day", "Outage minutes", "Outage turns"],
                outage_rows,
            ),
        ),
    ]


def latency(fig: Figures, period: Period) -> list[Section]:
    rows: list[list[Cell]] = [
        [x.day.isoformat(), x.channel, x.turns, round(x.p50_ms), round(x.p95_ms)]
        for x in sorted(fig.latency, key=lambda x: (x.day, x.channel))
    ]
    overall = {r[0]: r for r in rows if r[1] == "all"}
    days = sorted(overall)
    return [
        Section(
            "Turn latency per day",
            day_chart(
                "Turn latency per day, all channels (ms)",
                days,
                [
                    ("p50", [float(overall[d][3]) for d in days]),
                    ("p95", [float(overall[d][4]) for d in days]),
                ],
                " ms",
            ),
            Table(
                "latency",
                "Time to answer a turn, by day and channel",
                ["Day", "Channel", "Turns", "p50 (ms)", "p95 (ms)"],
                rows,
            ),
        )
    ]
