"""Several reminder runners at once on PostgreSQL: every text exactly once, none skipped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from ivr.sms.models import SmsMessage, SmsReminder
from ivr.sms.reminder_ledger import ledger_reminders
from ivr.sms.reminder_settings import ReminderSettings
from ivr.sms.reminders import ReminderSender, run_reminders
from ivr.sms.transport import OutgoingSms, SendResult
from tests.conftest import make_runtime
from tests.sms.conftest import add_member, repo_root
from tests.sms.test_reminders import SEVEN_DAYS_BEFORE

pytestmark = pytest.mark.postgres


@dataclass
class SharedTransport:
    """One 'Twilio' for all runners: counts how often each number was texted."""

    name: str = "fake"
    flush_every: int = 5
    lock: threading.Lock = field(default_factory=threading.Lock)
    sent: Counter = field(default_factory=Counter)

    def send(self, sms: OutgoingSms) -> SendResult:
        time.sleep(0.0005)  # let the runners interleave
        with self.lock:
            self.sent[sms.to] += 1
            n = sum(self.sent.values())
        return SendResult(sid=f"SM{n:032x}", status="queued")

    def lookup(self, to: str, body: str, since: datetime) -> SendResult | None:
        return None

    def recorded(self, messages: object) -> None:
        return None


def test_four_runners_ledger_and_send_at_the_same_time_without_double_or_missed_texts(
    postgres_url, tmp_path
):
    runtime = make_runtime(postgres_url, tmp_path)
    members = [add_member(runtime) for _ in range(300)]
    transport = SharedTransport()
    settings = ReminderSettings(rate=0, batch_size=20)
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def runner() -> None:
        try:
            barrier.wait()
            run_reminders(runtime, transport, settings=settings, now=SEVEN_DAYS_BEFORE)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=runner) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert transport.sent == Counter({m.phone: 1 for m in members})
    with runtime.uow() as uow:
        statuses = Counter(uow.session.scalars(select(SmsReminder.status)))
        claimed_by = set(uow.session.scalars(select(SmsReminder.claimed_by)))
        recorded = uow.session.scalar(select(func.count()).select_from(SmsMessage))
    assert statuses == Counter({"sent": 300}) and recorded == 300
    assert len(claimed_by) > 1  # the work really was shared
    runtime.engine.dispose()


def test_a_runner_does_not_take_rows_another_runner_holds(postgres_url, tmp_path):
    runtime = make_runtime(postgres_url, tmp_path)
    for _ in range(10):
        add_member(runtime)
    with runtime.uow() as uow:
        ledger_reminders(uow, now=SEVEN_DAYS_BEFORE, settings=ReminderSettings())
    settings = ReminderSettings(rate=0, batch_size=4)
    first = ReminderSender(runtime, SharedTransport(), settings, clock=lambda: SEVEN_DAYS_BEFORE)
    with runtime.uow() as holder:
        # Runner A is in the middle of claiming the first four rows (row locks held).
        held = holder.session.scalars(
            select(SmsReminder.id).order_by(SmsReminder.id).limit(4).with_for_update()
        ).all()
        batch = first._claim(["America/New_York"], SEVEN_DAYS_BEFORE)
        assert {c.id for c in batch}.isdisjoint(held) and len(batch) == 4
    runtime.engine.dispose()


def test_killing_the_job_mid_run_and_rerunning_texts_everyone_exactly_once(postgres_url, tmp_path):
    """A real process, really killed (SIGKILL), through the outbox transport."""
    runtime = make_runtime(postgres_url, tmp_path)
    for _ in range(400):
        add_member(runtime)
    env = {
        **os.environ,
        "DATABASE_URL": postgres_url,
        "BANK_DATA_KEY_FILE": str(tmp_path / "bank-data.key"),
        "SMS_RATE": "400",
        "SMS_BATCH_SIZE": "50",
        "TWILIO_ACCOUNT_SID": "",
    }
    cmd = [sys.executable, "-m", "ivr.sms", "remind", "--quiet", "--now"]
    at = SEVEN_DAYS_BEFORE.isoformat()
    proc = subprocess.Popen(
        [*cmd, at], cwd=repo_root(), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with runtime.uow() as uow:
            done = uow.session.scalar(select(func.count()).select_from(SmsMessage))
        if done >= 100 or proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with runtime.uow() as uow:
        before = uow.session.scalar(select(func.count()).select_from(SmsMessage))
    assert 0 < before < 400, "the kill should land mid-run"
    later = (SEVEN_DAYS_BEFORE + timedelta(minutes=11)).isoformat()  # past the 10-minute lease
    env["SMS_RATE"] = "0"
    rerun = subprocess.run(
        [*cmd, later], cwd=repo_root(), env=env, capture_output=True, text=True, check=True
    )
    assert "reconciled" in rerun.stderr
    with runtime.uow() as uow:
        per_reminder = Counter(uow.session.scalars(select(SmsMessage.reminder_id)))
        statuses = Counter(uow.session.scalars(select(SmsReminder.status)))
    assert statuses == Counter({"sent": 400})
    assert len(per_reminder) == 400 and set(per_reminder.values()) == {1}
    runtime.engine.dispose()
