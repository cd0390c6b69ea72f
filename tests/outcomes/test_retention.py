"""Outcome events past the retention period are deleted; newer ones and the counts stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from ivr.ops.models import DailyCount, DailyMiss
from ivr.ops.rollup import store_day
from ivr.outcomes import cli
from ivr.outcomes.models import OutcomeConversation, OutcomeTurn
from ivr.outcomes.retention import purge_outcomes
from ivr.outcomes.settings import OutcomeSettings
from tests.ops.helpers import conversation

NOW = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)


def count(engine, table) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(table))


def test_purge_deletes_old_conversations_with_their_turns_and_masked_words(runtime):
    engine = runtime.engine
    old = NOW - timedelta(days=91)
    for _ in range(3):
        conversation(engine, old, said=["what about my 1099"], confidence=0.2)
    conversation(engine, NOW - timedelta(days=89), task="balance")
    store_day(engine, old.date(), NOW)
    assert count(engine, DailyMiss) == 1

    assert purge_outcomes(engine, older_than_days=90, now=NOW, batch=2) == 3
    assert count(engine, OutcomeConversation) == 1
    assert count(engine, OutcomeTurn) == 2
    assert count(engine, DailyMiss) == 0  # masked words go with the events
    assert count(engine, DailyCount) > 0  # counts hold no words: they stay


def test_the_retention_setting_is_read_and_checked(monkeypatch):
    assert OutcomeSettings.load({}, {}).retention_days == 90
    assert OutcomeSettings.load({"OUTCOME_RETENTION_DAYS": "30"}, {}).retention_days == 30
    with pytest.raises(ValueError, match="1 or more"):
        OutcomeSettings.load({}, {"OUTCOME_RETENTION_DAYS": "0"})


def test_the_purge_command(runtime, monkeypatch, capsys):
    conversation(runtime.engine, datetime.now(UTC) - timedelta(days=40))
    monkeypatch.setenv("DATABASE_URL", runtime.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("OUTCOME_RETENTION_DAYS", "30")
    assert cli.main(["purge"]) == 0
    assert "purged 1 conversations older than 30 days" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        cli.main(["purge", "--older-than-days", "0"])
