"""Benchmark: the bill run for N accounts, and one-time payments per second, on Postgres and SQLite.

Usage: python scripts/bench_billing.py [N] [--payments P] [--only postgres|sqlite]
Seeds N accounts (one health coverage each, every third also dental) in a scratch database with
set-based SQL, then times `run_bill_run` for one month and P sequential `take_payment` calls.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from billing_core.bill_run import run_bill_run
from billing_core.payment_methods import add_bank_method
from billing_core.payments import record_authorization, take_payment
from billing_core.runtime import BillingRuntime
from billing_core.settings import Settings
from database import migrate

PG_ADMIN = os.environ.get("DATABASE_URL_TEST", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
NOW = datetime(2026, 11, 1, 5, 0, tzinfo=UTC)
MONTH = date(2026, 12, 1)

SEED_PG = """
INSERT INTO accounts (id, account_number, kind, name, zip_code, date_of_birth, language,
                      paperless, timezone, created_at)
SELECT g, (3000000000 + g)::text, 'household', 'Bench Member ' || g, '02108', DATE '1980-01-01',
       'en', true, 'America/New_York', :now
FROM generate_series(1, :n) AS g;
INSERT INTO enrollees (id, account_id, name, date_of_birth)
SELECT g, g, 'Bench Member ' || g, DATE '1980-01-01' FROM generate_series(1, :n) AS g;
INSERT INTO coverages (enrollee_id, account_id, line, plan_name, monthly_premium, subsidized,
                       start_month)
SELECT g, g, 'health', 'Silver', 19800 + (g % 100), g % 2 = 0, DATE '2026-01-01'
FROM generate_series(1, :n) AS g
UNION ALL
SELECT g, g, 'dental', 'Dental', 2850, false, DATE '2026-01-01'
FROM generate_series(1, :n) AS g WHERE g % 3 = 0;
SELECT setval('accounts_id_seq', :n); SELECT setval('enrollees_id_seq', :n);
"""

SEED_SQLITE = """
WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < :n)
INSERT INTO accounts (id, account_number, kind, name, zip_code, date_of_birth, language,
                      paperless, timezone, created_at)
SELECT x, CAST(3000000000 + x AS TEXT), 'household', 'Bench Member ' || x, '02108', '1980-01-01',
       'en', 1, 'America/New_York', :now FROM g;
WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < :n)
INSERT INTO enrollees (id, account_id, name, date_of_birth)
SELECT x, x, 'Bench Member ' || x, '1980-01-01' FROM g;
WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < :n)
INSERT INTO coverages (enrollee_id, account_id, line, plan_name, monthly_premium, subsidized,
                       start_month)
SELECT x, x, 'health', 'Silver', 19800 + (x % 100), x % 2 = 0, '2026-01-01' FROM g
UNION ALL SELECT x, x, 'dental', 'Dental', 2850, 0, '2026-01-01' FROM g WHERE x % 3 = 0;
"""


def seed(url: str, n: int, sql: str) -> None:
    engine = create_engine(url.replace("postgresql+psycopg", "postgresql+psycopg"))
    now = NOW.replace(tzinfo=None)
    with engine.begin() as conn:
        for statement in filter(str.strip, sql.split(";")):
            conn.execute(text(statement), {"n": n, "now": now})
    engine.dispose()


def bench(label: str, url: str, n: int, payments: int, key_file: Path, seed_sql: str) -> None:
    migrate(url)
    t0 = time.perf_counter()
    seed(url, n, seed_sql)
    seeded = time.perf_counter() - t0
    rt = BillingRuntime.start(Settings(database_url=url, bank_data_key_path=key_file))
    t0 = time.perf_counter()
    with rt.uow() as uow:
        count = run_bill_run(uow, MONTH, now=NOW)
    elapsed = time.perf_counter() - t0
    t0 = time.perf_counter()
    with rt.uow() as uow:
        again = run_bill_run(uow, MONTH, now=NOW)
    rerun = time.perf_counter() - t0
    print(
        f"{label:<9} accounts={n:>9,}  seed {seeded:6.1f}s  bill run: {count:,} invoices in "
        f"{elapsed:.2f}s = {count / elapsed:,.0f} invoices/s  (rerun adds {again} in {rerun:.2f}s)"
    )

    t0 = time.perf_counter()
    for i in range(payments):
        account = str(3000000000 + 1 + i % n)
        with rt.uow() as uow:
            ref = add_bank_method(
                uow,
                account,
                routing_number="021000021",
                bank_account_number="123456789",
                kind="checking",
                channel="web",
                now=NOW,
            )
            auth = record_authorization(
                uow,
                account,
                kind="one_time_debit",
                channel="web",
                reference=f"bench-{i}",
                script_version="bench",
                script_text="bench",
                consent_input="click",
                now=NOW,
            )
            take_payment(
                uow,
                account,
                amount="10.00",
                channel="web",
                idempotency_key=f"b{i}",
                authorization_id=auth,
                bank_method_reference=ref.reference,
                now=NOW,
            )
    elapsed = time.perf_counter() - t0
    print(
        f"{label:<9} one-time payments (bank method + authorization + payment, one transaction "
        f"each): {payments} in {elapsed:.2f}s = {payments / elapsed:,.0f} payments/s"
    )
    rt.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", type=int, nargs="?", default=100_000)
    parser.add_argument("--payments", type=int, default=1000)
    parser.add_argument("--only", choices=["postgres", "sqlite"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        key_file = Path(tmp) / "key"
        key_file.write_bytes(Fernet.generate_key())
        if args.only != "sqlite":
            name = f"hc_bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
                bench("postgres", url, args.n, args.payments, key_file, SEED_PG)
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
                admin.dispose()
        if args.only != "postgres":
            url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
            bench("sqlite", url, args.n, args.payments, key_file, SEED_SQLITE)


if __name__ == "__main__":
    main()
