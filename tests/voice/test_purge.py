"""`python -m ivr.voice purge`: calls whose status callback never came are dropped after a while."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from billing_core.billing_calendar import utcnow
from ivr.voice.cli import main
from ivr.voice.models import VoiceCall, VoiceTurn
from ivr.voice.state import CallStore


def add_call(runtime, sid: str, age: timedelta) -> None:
    at = utcnow() - age
    with runtime.uow() as uow:
        uow.session.add(VoiceCall(call_sid=sid, turn=2, state="{}", created_at=at, updated_at=at))
        for turn in range(3):
            uow.session.add(VoiceTurn(call_sid=sid, turn=turn, twiml="<Response/>", created_at=at))


def test_purge_drops_old_calls_and_their_turns_and_keeps_recent_ones(runtime, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", runtime.settings.database_url)
    monkeypatch.setenv("BANK_DATA_KEY_FILE", str(runtime.settings.bank_data_key_path))
    add_call(runtime, "CAlost", timedelta(hours=49))
    add_call(runtime, "CAlive", timedelta(minutes=5))
    add_call(runtime, "CAyesterday", timedelta(hours=30))

    assert main(["purge", "--older-than-hours", "48"]) == 0
    assert "purged 1 calls" in capsys.readouterr().out

    with runtime.uow() as uow:
        calls = set(uow.session.scalars(select(VoiceCall.call_sid)))
        turned = set(uow.session.scalars(select(VoiceTurn.call_sid)))
    assert calls == turned == {"CAlive", "CAyesterday"}


def test_purge_works_through_many_calls_in_batches(runtime):
    for n in range(5):
        add_call(runtime, f"CAold{n}", timedelta(days=3))
    add_call(runtime, "CAlive", timedelta(minutes=5))

    assert CallStore(runtime).purge_older_than(timedelta(hours=48), batch=2) == 5

    with runtime.uow() as uow:
        assert set(uow.session.scalars(select(VoiceCall.call_sid))) == {"CAlive"}
        assert set(uow.session.scalars(select(VoiceTurn.call_sid))) == {"CAlive"}


def test_purge_refuses_an_age_that_would_drop_live_calls():
    with pytest.raises(SystemExit):
        main(["purge", "--older-than-hours", "0"])
