"""Benchmark: AutoPay drafts and NACHA entries per second for N AutoPay accounts on PostgreSQL.

    python scripts/bench_backoffice.py [--accounts 200000] [--admin-url postgresql+psycopg://...]

Creates a scratch database, seeds it set-based (generate_series), bills a month, then times the
draft job and the origination file (decrypting every account number), and drops the database.
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

from billing_core.backoffice.drafts import run_drafts
from billing_core.backoffice.nacha import parse_file, run_origination
from billing_core.bill_run import run_bill_run
from billing_core.billing_calendar import bill_run_issued_at
from billing_core.runtime import BillingRuntime
from billing_core.settings import Settings
from database import migrate

ADMIN = os.environ.get("DATABASE_URL_TEST", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
RUN_DAY = date(2026, 12, 4)
COVERAGE = date(2027, 1, 1)
TOKENS = 1000  # distinct encrypted numbers, reused; each entry is still decrypted on its own

SEED = """
INSERT INTO accounts (id, account_number, kind, name, zip_code, language, paperless, timezone,
                      created_at)
SELECT g, (3000000000 + g)::text, CASE WHEN g % 25 = 0 THEN 'employer' ELSE 'household' END,
       'Member ' || g, '02108', CASE WHEN g % 3 = 0 THEN 'es' ELSE 'en' END, false,
       'America/New_York', TIMESTAMP '2026-01-01'
FROM generate_series(1, :n) g;
INSERT INTO enrollees (id, account_id, name, date_of_birth)
SELECT g, g, 'Member ' || g, DATE '1980-01-01' FROM generate_series(1, :n) g;
INSERT INTO coverages (id, enrollee_id, account_id, line, plan_name, monthly_premium, subsidized,
                       start_month)
SELECT g, g, g, 'health', 'Silver', 5000 + (g * 7919) % 80000, g % 3 = 0, DATE '2026-01-01'
FROM generate_series(1, :n) g;
INSERT INTO bank_methods (id, reference, account_id, kind, routing_number,
                          account_number_encrypted, last4, created_at)
SELECT g, 'bm_bench_' || g, g, CASE WHEN g % 5 = 0 THEN 'savings' ELSE 'checking' END,
       '011000015', t.tok, '1234', TIMESTAMP '2026-01-01'
FROM generate_series(1, :n) g JOIN bench_tokens t ON t.i = g % :tokens;
INSERT INTO authorizations (id, account_id, kind, channel, reference, script_version, script_text,
                            consent_input, created_at)
SELECT g, g, 'autopay_enroll', (ARRAY['web','voice','paper'])[1 + g % 3], 'bench', 'b1',
       'I authorize recurring debits.', 'dtmf:1', TIMESTAMP '2026-01-01'
FROM generate_series(1, :n) g;
INSERT INTO autopay_enrollments (id, account_id, bank_method_id, draft_day, status,
                                 authorization_id, updated_at)
SELECT g, g, g, 1 + g % 3, 'active', g, TIMESTAMP '2026-01-01' FROM generate_series(1, :n) g;
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=200_000)
    parser.add_argument("--admin-url", default=ADMIN)
    parser.add_argument("--chunk", type=int, default=5000)
    args = parser.parse_args()
    name = f"hc_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = args.admin_url.rsplit("/", 1)[0] + "/" + name
    work = Path(tempfile.mkdtemp(prefix="bench-backoffice-"))
    try:
        migrate(url)
        key = work / "key"
        key.write_bytes(Fernet.generate_key())
        rt = BillingRuntime.start(Settings(database_url=url, bank_data_key_path=key))
        n = args.accounts
        t0 = time.perf_counter()
        with rt.engine.begin() as conn:
            conn.execute(text("CREATE TEMP TABLE bench_tokens (i int, tok bytea)"))
            conn.execute(
                text("INSERT INTO bench_tokens VALUES (:i, :tok)"),
                [
                    {"i": i, "tok": rt.cipher.encrypt(f"{700000000 + i * 37}")}
                    for i in range(TOKENS)
                ],
            )
            for stmt in SEED.split(";"):
                if stmt.strip():
                    conn.execute(text(stmt), {"n": n, "tokens": TOKENS})
            for table in (
                "accounts",
                "enrollees",
                "coverages",
                "bank_methods",
                "authorizations",
                "autopay_enrollments",
            ):
                conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), :n)"), {"n": n}
                )
            conn.execute(text("ANALYZE"))
        with rt.uow() as uow:
            billed = run_bill_run(uow, COVERAGE, now=bill_run_issued_at(COVERAGE))
        with rt.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        print(
            f"seeded {n} AutoPay accounts and {billed} invoices in {time.perf_counter() - t0:.1f} s"
        )

        now = datetime(2026, 12, 4, 11, 0, tzinfo=UTC)
        t0 = time.perf_counter()
        drafts = run_drafts(rt.uow, now=now, run_date=RUN_DAY, chunk=args.chunk)
        t_drafts = time.perf_counter() - t0
        print(
            f"drafts: {drafts.drafts} created (${drafts.amount}) in {t_drafts:.2f} s "
            f"= {drafts.drafts / t_drafts:,.0f} drafts/s"
        )

        t0 = time.perf_counter()
        again = run_drafts(rt.uow, now=now, run_date=RUN_DAY, chunk=args.chunk)
        print(
            f"drafts re-run (idempotent): {again.drafts} created in "
            f"{time.perf_counter() - t0:.2f} s"
        )

        t0 = time.perf_counter()
        res = run_origination(rt.uow, now=now, file_date=RUN_DAY, out_dir=work / "ach")
        t_file = time.perf_counter() - t0
        print(
            f"nacha: {res.entries} entries in {res.batches} batches, ${res.total}, "
            f"in {t_file:.2f} s = {res.entries / t_file:,.0f} entries/s"
        )
        t0 = time.perf_counter()
        parsed = parse_file(res.path.read_text())
        print(
            f"parse back + verify: {len(parsed.entries)} entries in "
            f"{time.perf_counter() - t0:.2f} s"
        )
        rt.engine.dispose()
    finally:
        for p in sorted(work.rglob("*"), reverse=True):
            p.unlink() if p.is_file() else p.rmdir()
        work.rmdir()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
