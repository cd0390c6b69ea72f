"""Failure drills on the scaled-out stack: Redis, Postgres, a slow action server, a killed Rasa.

Every drill restores what it stopped in a `finally` block (the private Postgres and Redis of the
stack, never the shared servers), so a failing assertion leaves the stack whole for the next test.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import func, select

from billing_core.models import Payment
from ivr.voice.models import VoiceTurn
from tests.production.conftest import TOKEN
from tests.production.helpers import RoundRobinCaller, ops_get
from tests.rasa_stack import APP_PYTHON, REPO

pytestmark = [pytest.mark.rasa, pytest.mark.postgres, pytest.mark.slow]

EASTERN = ZoneInfo("America/New_York")
# Tuesday 1 December 2026, 10:00 AM Eastern: agents are in (the outage answer offers one).
OPEN_HOURS = datetime(2026, 12, 1, 10, 0, tzinfo=EASTERN)


def caller(clients, phone: str, pin: int | None = None) -> RoundRobinCaller:
    return RoundRobinCaller(client=clients[0], token=TOKEN, phone=phone, clients=clients, pin=pin)


def at_account_prompt(c: RoundRobinCaller) -> None:
    c.dial_in()
    c.press("1")
    c.press("1")
    assert "account number" in c.heard


def count_payments(billing) -> int:
    with billing.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(Payment))


def test_redis_down_callers_hear_the_outage_menu_and_nothing_is_half_written(
    clients, multi_stack, billing
):
    c = caller(clients, "+16175550411", pin=0)
    at_account_prompt(c)
    users_before = multi_stack.user_events(c.sid)
    payments_before = count_payments(billing)
    multi_stack.redis.stop()
    try:
        started = time.monotonic()
        root = c.press("1000000001")
        assert time.monotonic() - started < 5
        assert "not available" in c.heard  # the apology of the outage menu
        assert root.find("Gather").get("input") == "dtmf"
        # Rasa took no lock, so it ran nothing: no half turn in its tracker, no payment.
        assert multi_stack.user_events(c.sid) == users_before
        assert count_payments(billing) == payments_before
    finally:
        multi_stack.redis.start()
    c.press("1")  # the outage menu still works, from the billing core
    c.press("1000000001")
    c.press("02108")
    assert "Your balance is" in c.heard
    fresh = caller(clients, "+16175550412")
    at_account_prompt(fresh)  # Rasa is back on both instances
    fresh.press("1000000001")
    assert "ZIP" in fresh.heard


def _reminder_instant(today: date) -> datetime:
    """Noon Eastern, 7 days before the next 23rd: the first due-date reminder is due then."""
    due = today.replace(day=23)
    if today >= due:
        due = (due.replace(day=1) + timedelta(days=32)).replace(day=23)
    return datetime.combine(due - timedelta(days=7), datetime.min.time(), EASTERN).replace(hour=12)


def remind(multi_stack, now: datetime) -> subprocess.CompletedProcess:
    """The job as cron runs it in production: the stack's secrets, texts to Twilio's API (Prism)."""
    return subprocess.run(
        [str(APP_PYTHON), "-m", "ivr.sms", "remind", "--now", now.isoformat(), "--quiet"],
        cwd=REPO,
        env=multi_stack.env(),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_postgres_down_gives_an_apology_and_an_agent_and_the_reminder_job_resumes(
    clients, multi_stack, billing, twilio_api
):
    c = caller(clients, "+16175550413", pin=1)
    at_account_prompt(c)
    payments_before = count_payments(billing)
    outbox_before = int(multi_stack.postgres.psql("billing", "SELECT count(*) FROM sms_messages"))
    multi_stack.postgres.stop()
    try:
        assert ops_get(clients[0], "/ready").status_code == 503
        with time_machine.travel(OPEN_HOURS, tick=True):
            root = c.press("1000000001")
            assert "sorry" in c.heard.lower()
            assert root.find("Redirect").text == "/voice/fallback"
            root = c.silence()  # Twilio follows the redirect to the fallback URL
        assert "sorry" in c.heard.lower()
        assert root.find("Dial") is not None  # an agent, since nothing else can help now
        job = remind(multi_stack, _reminder_instant(date.today()))
        assert job.returncode != 0  # the job fails cleanly; cron runs it again next hour
        for secret in ("1000000001",):
            assert secret not in job.stderr
    finally:
        multi_stack.postgres.start()
    assert ops_get(clients[0], "/ready").status_code == 200
    assert count_payments(billing) == payments_before
    with billing.uow() as uow:  # the failed turns left no claimed-but-unanswered rows behind
        open_turns = uow.session.scalars(
            select(VoiceTurn).where(VoiceTurn.call_sid == c.sid, VoiceTurn.twiml.is_(None))
        ).all()
    assert open_turns == []

    now = _reminder_instant(date.today())
    first = remind(multi_stack, now)
    assert first.returncode == 0, first.stderr[-2000:]
    sent = int(multi_stack.postgres.psql("billing", "SELECT count(*) FROM sms_messages"))
    assert sent > outbox_before
    again = remind(multi_stack, now)  # exactly once: a second run sends nothing more
    assert again.returncode == 0
    assert int(multi_stack.postgres.psql("billing", "SELECT count(*) FROM sms_messages")) == sent

    fresh = caller(clients, "+16175550414")
    for _ in range(3):  # Rasa's pool may hand out one stale connection after the restart
        at_account_prompt(fresh)
        fresh.press("1000000001")
        if "ZIP" in fresh.heard:
            break
        fresh = caller(clients, "+16175550414")
    assert "ZIP" in fresh.heard


def test_a_frozen_action_server_does_not_hold_the_caller_past_the_deadline(clients, multi_stack):
    inst = multi_stack.instances[0]
    c = caller(clients, "+16175550415", pin=0)
    at_account_prompt(c)
    os.killpg(inst.actions.pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        root = c.press("1000000001")  # Rasa runs the form's validation action: it hangs
        elapsed = time.monotonic() - started
    finally:
        os.killpg(inst.actions.pid, signal.SIGCONT)
    assert elapsed < 4.5  # RASA_TIMEOUT_SECONDS (3) plus the app's own work
    assert "not available" in c.heard
    assert root.find("Gather") is not None


@pytest.mark.destroys_stack
def test_a_killed_rasa_instance_the_call_goes_on_through_the_other(clients, multi_stack):
    c = caller(clients, "+16175550416")
    c.dial_in()  # app 0
    c.press("1")  # app 1
    c.press("1")  # app 0: asks for the account number
    assert "account number" in c.heard
    multi_stack.instances[0].rasa.send_signal(signal.SIGKILL)
    multi_stack.instances[0].rasa.wait(timeout=10)
    c.pin = 1  # the load balancer's health check (Rasa /status) took instance 0 out
    c.press("1000000001")
    c.press("02108")
    assert "Your balance is" in c.heard  # same conversation, from the shared tracker store

    stranded = caller(clients, "+16175550417", pin=0)  # a call still routed to the dead one
    at_account_prompt_root = stranded.dial_in()
    assert at_account_prompt_root is not None
    stranded.press("1")
    stranded.press("1")
    assert "not available" in stranded.heard  # graceful: the outage menu, not an error
    stranded.press("1")
    stranded.press("1000000001")
    stranded.press("02108")
    assert "Your balance is" in stranded.heard
