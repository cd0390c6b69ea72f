"""Benchmark of the reminder job on PostgreSQL: seed N accounts, time selection + ledger, then
messages per second recorded through the outbox transport.

    python scripts/bench_reminders.py [--accounts 200000] [--send 50000] [--keep]

Uses a scratch database created next to DATABASE_URL_TEST (default
postgresql+psycopg://postgres@127.0.0.1:5432/test) and drops it afterwards unless --keep.
Seeding is set-based (generate_series), so a million accounts take seconds, not hours.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import create_engine, func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from billing_core.billing_calendar import EASTERN, add_months, due_at
from billing_core.runtime import BillingRuntime
from billing_core.settings import Settings
from database import migrate
from ivr.sms.models import SmsReminder
from ivr.sms.reminder_ledger import ledger_reminders
from ivr.sms.reminder_settings import ReminderSettings
from ivr.sms.reminders import ReminderSender
from ivr.sms.transport import OutboxTransport

ADMIN_URL = os.environ.get("DATABASE_URL_TEST", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
MONTH = datetime(2027, 1, 1).date()  # due 23 December 2026
NOW = datetime(2026, 12, 16, 10, 0, tzinfo=EASTERN).astimezone(UTC)  # 7 days before, 10 AM

SEED = """
INSERT INTO accounts (id, account_number, kind, name, zip_code, language, paperless, timezone,
                      created_at)
SELECT g, (4000000000 + g)::text, 'household', 'Member ' || g, '02108',
       CASE WHEN g % 5 = 0 THEN 'es' ELSE 'en' END, false,
       CASE WHEN g % 50 = 0 THEN 'America/Chicago' ELSE 'America/New_York' END, :created
FROM generate_series(1, :n) g;

INSERT INTO contact_phones (id, account_id, number, verified, sms_opt_in, opted_out_at)
SELECT g, g, '+1' || (2000000000 + g)::text, g % 20 <> 0, g % 10 <> 0, NULL
FROM generate_series(1, :n) g;

INSERT INTO enrollees (id, account_id, name, date_of_birth)
SELECT g, g, 'Member ' || g, DATE '1980-01-01' FROM generate_series(1, :n) g;

INSERT INTO coverages (id, enrollee_id, account_id, line, plan_name, monthly_premium, subsidized,
                       start_month)
SELECT g, g, g, 'health', 'Silver', 15000 + (g % 300) * 100, g % 3 = 0, :prev
FROM generate_series(1, :n) g;

INSERT INTO invoices (id, invoice_number, account_id, coverage_id, coverage_month, revision,
                      amount, issued_at, due_at)
SELECT g * 2 + m, to_char(month, 'YYYYMM') || '0' || g, g, g, month, 0,
       15000 + (g % 300) * 100, :created, CASE m WHEN 0 THEN :prev_due ELSE :due END
FROM generate_series(1, :n) g,
     LATERAL (VALUES (0, :prev), (1, :month)) AS months(m, month);

-- last month paid by everyone; this month already paid by one account in four
INSERT INTO payments (id, confirmation_number, idempotency_key, account_id, amount, fee, method,
                      channel, status, effective_date, created_at)
SELECT g, (7000000000 + g)::text, 'bench-' || g, g,
       (15000 + (g % 300) * 100) * CASE WHEN g % 4 = 0 THEN 2 ELSE 1 END, 0, 'check', 'mail',
       'settled', :prev_due_date, :created
FROM generate_series(1, :n) g;

-- one account in ten on AutoPay (draft day 21); a third of those with a changed amount
INSERT INTO authorizations (id, account_id, kind, channel, reference, script_version, script_text,
                            consent_input, created_at)
SELECT g, g, 'autopay_enroll', 'web', 'bench', 'b1', 'bench', 'click', :created
FROM generate_series(1, :n) g WHERE g % 10 = 1;

INSERT INTO bank_methods (id, reference, account_id, kind, routing_number,
                          account_number_encrypted, last4, created_at)
SELECT g, 'bench-' || g, g, 'checking', '021000021', '\\x00'::bytea, '0000', :created
FROM generate_series(1, :n) g WHERE g % 10 = 1;

INSERT INTO autopay_enrollments (id, account_id, bank_method_id, draft_day, status,
                                 authorization_id, last_draft_amount, updated_at)
SELECT g, g, g, 21, 'active', g,
       15000 + (g % 300) * 100 + CASE WHEN g % 3 = 0 THEN 500 ELSE 0 END, :created
FROM generate_series(1, :n) g WHERE g % 10 = 1;
"""


def seed(url: str, n: int) -> float:
    prev = add_months(MONTH, -1)
    params = {
        "n": n,
        "created": datetime(2026, 10, 1, tzinfo=UTC).replace(tzinfo=None),
        "prev": prev,
        "month": MONTH,
        "prev_due": due_at(prev).replace(tzinfo=None),
        "due": due_at(MONTH).replace(tzinfo=None),
        "prev_due_date": due_at(prev).date(),
    }
    engine = create_engine(url)
    started = time.perf_counter()
    with engine.begin() as conn:
        for statement in SEED.split(";\n"):
            if statement.strip():
                conn.execute(text(statement), params)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=200_000)
    parser.add_argument("--send", type=int, default=50_000, help="texts to send (0 = all)")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    name = f"hc_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        migrate(url)
        seconds = seed(url, args.accounts)
        print(f"seeded {args.accounts:,} accounts in {seconds:.1f} s")

        key = Path(tempfile.mkdtemp()) / "bench.key"
        key.write_bytes(Fernet.generate_key())
        runtime = BillingRuntime.start(Settings(database_url=url, bank_data_key_path=key))
        settings = ReminderSettings(rate=0, batch_size=args.batch)

        started = time.perf_counter()
        with runtime.uow() as uow:
            counts = ledger_reminders(uow, now=NOW, settings=settings)
        ledger_s = time.perf_counter() - started
        total = sum(counts.values())
        print(
            f"selection + ledger: {total:,} reminders ({counts}) from {args.accounts:,} accounts "
            f"in {ledger_s:.2f} s ({args.accounts / ledger_s:,.0f} accounts/s)"
        )

        with open(os.devnull, "w") as devnull:
            sender = ReminderSender(
                runtime, OutboxTransport(stream=devnull), settings, clock=lambda: NOW
            )
            started = time.perf_counter()
            stats = sender.run(limit=args.send or None)
            send_s = time.perf_counter() - started
        with runtime.uow() as uow:
            recorded = uow.session.scalar(
                select(func.count()).select_from(SmsReminder).where(SmsReminder.status == "sent")
            )
        print(
            f"outbox: {stats.sent:,} texts rendered, recorded and printed in {send_s:.2f} s "
            f"= {stats.sent / send_s:,.0f} messages/s ({recorded:,} ledger rows marked sent; "
            f"{stats.skipped_opted_out} skipped)"
        )
        runtime.engine.dispose()
    finally:
        if args.keep:
            print(f"kept database {url}")
        else:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
