"""The console's figures: containment as the page defines it, rollups equal to live counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine

from ivr.ops.figures import FAMILIES, compute_day
from ivr.ops.pages import build_page, table_csv
from ivr.ops.periods import parse_period
from ivr.ops.report import Table
from ivr.ops.rollup import load, store_day
from tests.ops.helpers import conversation

# Thursday 3 December 2026, 3:00 PM Eastern.
NOW = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)
TODAY_10AM = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)


def rows(page, name):  # type: ignore[no-untyped-def]
    return next(s.table for s in page.sections if s.table.name == name).rows


def test_containment_counts_self_served_over_ended_conversations(runtime):
    engine = runtime.engine
    conversation(engine, TODAY_10AM, task="balance")  # self-served
    conversation(engine, TODAY_10AM, task="payment", channel="voice", language="es")
    conversation(engine, TODAY_10AM, task="balance", transfer="caller_asked")  # transferred
    conversation(engine, TODAY_10AM)  # hung up before any task: abandoned
    conversation(engine, TODAY_10AM, channel="chat")  # quiet for 5 hours: abandoned
    conversation(engine, NOW - timedelta(minutes=5), channel="chat", hang_up=False)  # in progress
    conversation(engine, TODAY_10AM, channel="sms", task="faq", topic="pay_by_mail")

    page = build_page(engine, "containment", parse_period("today", None, NOW), NOW)
    table = {(r[0], r[1]): r[2:] for r in rows(page, "containment")}
    # Ended, self-served, transferred, abandoned, in progress, containment %
    assert table[("voice", "en")] == [3, 1, 1, 1, 0, 33.3]
    assert table[("voice", "es")] == [1, 1, 0, 0, 0, 100.0]
    assert table[("chat", "en")] == [1, 0, 0, 1, 1, 0.0]
    assert table[("sms", "en")] == [1, 1, 0, 0, 0, 100.0]
    assert table[("all", "all")] == [6, 3, 1, 2, 1, 50.0]
    assert "completed a task" in page.definition and "without a transfer" in page.definition
    tasks = dict(rows(page, "tasks"))
    assert tasks == {"Balance": 2, "Payment": 1, "FAQ answer": 1}


def test_a_stored_rollup_equals_the_live_figures_of_the_same_day(runtime):
    engine = runtime.engine
    yesterday = TODAY_10AM - timedelta(days=1)
    conversation(engine, yesterday, task="balance", said=["how do I pay", "my zip is 02108"])
    conversation(engine, yesterday, transfer="outage", outage=True, latency_ms=900)
    conversation(
        engine,
        yesterday,
        channel="sms",
        task="faq",
        topic="pay_by_mail",
        confidence=0.2,
        said=["huh"],
    )
    day = yesterday.date()
    with engine.connect() as conn:
        live = compute_day(conn, day, FAMILIES, NOW)
    stored = store_day(engine, day, NOW)
    assert sorted(map(repr, stored.counts)) == sorted(map(repr, live.counts))
    assert stored.latency == live.latency and stored.misses == live.misses
    period = parse_period("day", day.isoformat(), NOW)
    loaded = load(engine, period, FAMILIES, NOW)
    assert sorted((c.metric, c.key, c.channel, c.count) for c in loaded.counts) == sorted(
        (c.metric, c.key, c.channel, c.count) for c in live.counts
    )
    assert [m.example for m in loaded.misses] == ["huh"]


def test_a_closed_day_is_rolled_up_on_first_view_and_read_back_after(runtime):
    engine = runtime.engine
    conversation(engine, TODAY_10AM - timedelta(days=2), task="balance")
    period = parse_period("30d", None, NOW)
    first = build_page(engine, "containment", period, NOW)
    conversation(engine, TODAY_10AM - timedelta(days=2), task="balance")  # late: not in the rollup
    again = build_page(engine, "containment", period, NOW)
    assert rows(first, "containment") == rows(again, "containment")
    by_day = {r[0]: r for r in rows(again, "containment-by-day")}
    assert len(by_day) == 30 and by_day["2026-12-01"][1:] == [1, 1, 100.0]


def test_transfers_latency_and_outage_minutes(runtime):
    engine = runtime.engine
    conversation(engine, TODAY_10AM, transfer="outage", outage=True, latency_ms=200)
    conversation(engine, TODAY_10AM + timedelta(seconds=10), transfer="outage", outage=True)
    conversation(engine, TODAY_10AM + timedelta(minutes=3), transfer="not_understood", outage=True)
    conversation(engine, TODAY_10AM, transfer="caller_asked", channel="chat", latency_ms=400)
    period = parse_period("today", None, NOW)
    transfers = build_page(engine, "transfers", period, NOW)
    assert rows(transfers, "transfers") == [
        ["Assistant unavailable (outage)", 2, 0, 0, 2],
        ["Caller asked for a person", 0, 0, 1, 1],
        ["Not understood (after re-prompts)", 1, 0, 0, 1],
    ]
    assert rows(transfers, "outages") == [["2026-12-03", 2, 3]]
    latency = {r[1]: r for r in rows(build_page(engine, "latency", period, NOW), "latency")}
    assert latency["chat"][2:] == [2, 400, 400]
    assert latency["voice"][2] == 6 and latency["all"][2] == 8
    # 100 x4, 200 x2, 400 x2: the median falls between 100 and 200 (interpolated, as on Postgres)
    assert latency["all"][3] == 150 and latency["all"][4] == 400


def test_the_last_30_days_run_to_today_in_eastern_time():
    with time_machine.travel(datetime(2026, 11, 1, 3, 30, tzinfo=UTC)):  # 11:30 PM Oct 31 Eastern
        period = parse_period("30d", None, datetime.now(UTC))
    assert period.today.isoformat() == "2026-10-31"
    assert period.first.isoformat() == "2026-10-02" and len(period.days) == 30


def test_csv_cells_that_look_like_formulas_are_quoted():
    table = Table("t", "c", ["Words", "Times"], [['=HYPERLINK("x")', 3], ["-1", 2]])
    assert table_csv(table) == 'Words,Times\r\n"\'=HYPERLINK(""x"")",3\r\n\'-1,2\r\n'
