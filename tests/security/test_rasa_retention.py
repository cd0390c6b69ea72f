"""Retention of Rasa's SQL tracker store, on a table with Rasa 3.6's own schema (SQLite, Postgres).

Rasa's SQLTrackerStore declares `events` as: id Integer (sequence events_seq) primary key,
sender_id String(255) not null indexed, type_name String(255) not null, timestamp Float,
intent_name String(255), action_name String(255), data Text. The table here is declared the same
way; tests/production/test_retention.py runs the job against the table a real Rasa server made.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import (
    Column,
    Engine,
    Float,
    Integer,
    MetaData,
    Sequence,
    String,
    Table,
    Text,
    func,
    insert,
    or_,
    select,
)

from billing_core.db import make_engine
from billing_core.startup import EX_CONFIG
from ivr.rasa_retention import purge_tracker_events

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
DAY = 86400.0

metadata = MetaData()
RASA_EVENTS = Table(
    "events",
    metadata,
    Column("id", Integer, Sequence("events_seq", optional=True), primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)


@pytest.fixture
def tracker(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    metadata.create_all(engine)
    yield engine
    metadata.drop_all(engine)
    engine.dispose()


def session(engine: Engine, sender: str, days_ago: float, turns: int = 2) -> None:
    """One Rasa conversation session as Rasa writes it: the session start, then user/bot turns."""
    start = NOW.timestamp() - days_ago * DAY
    rows = [
        ("action", None, "action_session_start"),
        ("session_started", None, None),
        ("action", None, "action_listen"),
    ]
    for _ in range(turns):
        rows += [("user", "check_balance", None), ("bot", None, None)]
        rows += [("action", None, "action_listen")]
    with engine.begin() as conn:
        conn.execute(
            insert(RASA_EVENTS),
            [
                {
                    "sender_id": sender,
                    "type_name": type_name,
                    "timestamp": start + i * 0.5,
                    "intent_name": intent,
                    "action_name": action,
                    "data": json.dumps({"event": type_name, "text": "02108"}),
                }
                for i, (type_name, intent, action) in enumerate(rows)
            ],
        )


def events_of(engine: Engine, sender: str) -> list[int]:
    with engine.connect() as conn:
        return list(
            conn.scalars(
                select(RASA_EVENTS.c.id)
                .where(RASA_EVENTS.c.sender_id == sender)
                .order_by(RASA_EVENTS.c.id)
            )
        )


def what_rasa_loads(engine: Engine, sender: str) -> list[int]:
    """SQLTrackerStore._event_query: the events of the sender's latest session, by id."""
    latest = (
        select(func.max(RASA_EVENTS.c.timestamp))
        .where(RASA_EVENTS.c.sender_id == sender, RASA_EVENTS.c.type_name == "session_started")
        .scalar_subquery()
    )
    with engine.connect() as conn:
        return list(
            conn.scalars(
                select(RASA_EVENTS.c.id)
                .where(
                    RASA_EVENTS.c.sender_id == sender,
                    or_(RASA_EVENTS.c.timestamp >= latest, latest.is_(None)),
                )
                .order_by(RASA_EVENTS.c.id)
            )
        )


def count(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(RASA_EVENTS))


def test_a_conversation_idle_past_the_retention_period_is_deleted_whole(tracker):
    session(tracker, "CA-old-call", days_ago=45)
    session(tracker, "CA-recent-call", days_ago=3)
    result = purge_tracker_events(tracker, 30, now=NOW)
    assert events_of(tracker, "CA-old-call") == []
    assert len(events_of(tracker, "CA-recent-call")) == 9
    assert result.events == 9


def test_a_returning_sender_loses_its_old_sessions_and_rasa_still_loads_the_same_conversation(
    tracker,
):
    sms = "sms-3f9a0c"  # a stable pseudonym: the same member texting again weeks later
    session(tracker, sms, days_ago=60)
    session(tracker, sms, days_ago=40)
    session(tracker, sms, days_ago=1)
    loaded_before = what_rasa_loads(tracker, sms)
    purge_tracker_events(tracker, 30, now=NOW)
    assert len(events_of(tracker, sms)) == 9  # the latest session, the two old ones gone
    assert what_rasa_loads(tracker, sms) == loaded_before


def test_a_session_still_going_at_the_cutoff_keeps_every_event_rasa_loads(tracker):
    sender = "chat-long"
    session(tracker, sender, days_ago=31, turns=1)
    with tracker.begin() as conn:  # the same session, still active yesterday
        conn.execute(
            insert(RASA_EVENTS).values(
                sender_id=sender, type_name="user", timestamp=NOW.timestamp() - DAY, data="{}"
            )
        )
    loaded = what_rasa_loads(tracker, sender)
    # Only the action_session_start logged just before the session's start goes (Rasa never
    # loads it); the session itself, 31 days old but still going, stays whole.
    assert purge_tracker_events(tracker, 30, now=NOW).events == 1
    assert events_of(tracker, sender) == loaded == what_rasa_loads(tracker, sender)


def test_running_the_purge_twice_deletes_nothing_the_second_time(tracker):
    for n in range(7):
        session(tracker, f"CA-{n}", days_ago=40 + n)
    session(tracker, "CA-live", days_ago=0.01)
    assert purge_tracker_events(tracker, 30, now=NOW, batch=3).events == 7 * 9
    again = purge_tracker_events(tracker, 30, now=NOW, batch=3)
    assert again.events == 0 and again.senders_examined == 0
    assert count(tracker) == 9


@pytest.mark.postgres
def test_two_purges_in_parallel_on_postgres_delete_each_event_once_and_both_finish(postgres_url):
    engine = make_engine(postgres_url)
    metadata.create_all(engine)
    try:
        for n in range(120):
            session(engine, f"sender-{n:03d}", days_ago=35 if n % 3 else 2, turns=1)
        expected_left = count(engine) - 80 * 6
        results = []
        errors: list[BaseException] = []
        barrier = threading.Barrier(2)

        def run() -> None:
            try:
                barrier.wait()
                results.append(purge_tracker_events(engine, 30, now=NOW, batch=5))
            except BaseException as exc:  # surfaced below
                errors.append(exc)

        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert not errors
        assert sum(r.events for r in results) == 80 * 6
        assert count(engine) == expected_left
    finally:
        metadata.drop_all(engine)
        engine.dispose()


def test_the_retention_period_must_be_positive(tracker):
    with pytest.raises(ValueError, match="more than 0"):
        purge_tracker_events(tracker, 0, now=NOW)


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ivr.rasa_retention", "purge", *args],
        cwd=REPO,
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_command_purges_as_of_now_and_refuses_to_run_without_a_tracker_url(tracker):
    session(tracker, "CA-ancient", days_ago=400)
    session(tracker, "CA-fresh", days_ago=0)
    url = tracker.url.render_as_string(hide_password=False)
    done = run_cli("--older-than-days", "30", env={"TRACKER_STORE_URL": url})
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("deleted 9 tracker events older than 30 days")
    assert events_of(tracker, "CA-ancient") == [] and events_of(tracker, "CA-fresh")
    future = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    env = {"TRACKER_STORE_URL": url, "TRACKER_RETENTION_DAYS": "2"}
    assert run_cli("--now", future, env=env).stdout.startswith("deleted 9 ")
    missing = run_cli(env={})
    assert missing.returncode == EX_CONFIG
    assert missing.stderr.strip().splitlines() == [
        "error: TRACKER_STORE_URL is not set (SQLAlchemy URL of Rasa's tracker database)"
    ]
    assert run_cli("--older-than-days", "0.5", env={"TRACKER_STORE_URL": url}).returncode == 2
