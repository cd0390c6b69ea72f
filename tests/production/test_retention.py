"""The tracker retention job against the `events` table the real Rasa servers of the stack made."""

from __future__ import annotations

import subprocess

import pytest

from tests.production.conftest import TOKEN
from tests.production.helpers import RoundRobinCaller
from tests.rasa_stack import APP_PYTHON, REPO

pytestmark = [pytest.mark.rasa, pytest.mark.postgres, pytest.mark.slow]

RASA_COLUMNS = {"id", "sender_id", "type_name", "timestamp", "intent_name", "action_name", "data"}


def test_the_purge_drops_an_idle_conversation_from_rasas_own_table_and_live_calls_go_on(
    clients, multi_stack
):
    pg = multi_stack.postgres
    db = multi_stack.tracker_db
    columns = set(
        pg.psql(db, "SELECT column_name FROM information_schema.columns WHERE table_name='events'")
        .strip()
        .splitlines()
    )
    assert columns == RASA_COLUMNS  # the schema the job was written against (Rasa 3.6)

    live = RoundRobinCaller(client=clients[0], token=TOKEN, phone="+16175550431", clients=clients)
    live.dial_in()
    live.press("1")
    live.press("1")
    assert "account number" in live.heard
    sender = pg.psql(
        db, f"SELECT DISTINCT sender_id FROM events WHERE sender_id LIKE '%{live.sid}'"
    )
    sender = sender.strip()
    assert sender
    # The same conversation, as if it had ended 40 days ago under another sender id.
    pg.psql(
        db,
        "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
        "SELECT 'retention-drill-idle', type_name, timestamp - 40 * 86400, intent_name, "
        f"action_name, data FROM events WHERE sender_id = '{sender}'",
    )
    live_events = pg.psql(db, f"SELECT count(*) FROM events WHERE sender_id = '{sender}'")

    job = subprocess.run(
        [str(APP_PYTHON), "-m", "ivr.rasa_retention", "purge", "--older-than-days", "30"],
        cwd=REPO,
        env={**multi_stack.env(), "TRACKER_STORE_URL": pg.url(db)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert job.returncode == 0, job.stderr[-2000:]
    assert f"deleted {int(live_events)} tracker events" in job.stdout
    idle = "SELECT count(*) FROM events WHERE sender_id = 'retention-drill-idle'"
    assert pg.psql(db, idle).strip() == "0"
    assert pg.psql(db, f"SELECT count(*) FROM events WHERE sender_id = '{sender}'") == live_events
    live.press("1000000001")  # the live call goes on where it was
    assert "ZIP" in live.heard
