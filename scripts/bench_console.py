"""Benchmark of the operations console on PostgreSQL: 1 M conversations and 6 M turns in 30 days.

    python scripts/bench_console.py [--conversations 1000000] [--loads 20] [--keep]

Seeds a scratch database (next to DATABASE_URL_TEST) set-based with generate_series: outcome
events (6 turns a conversation, 10 % of conversations with a missed, masked utterance), 600 k
payments with 1 % returns, AutoPay audit events among 1 M other audit events, 300 k reminder
texts and 10 k opt-outs. Then it stores the 29 closed days' rollups as the nightly job would
(timed), times 20 loads of every page for today, a chosen day and the last 30 days (in-process,
signed in, render included), a cold 30-day load (one day's rollup missing), and the cost of
recording one turn's outcome event (masking + its one statement) on the seeded tables.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import create_engine, delete, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_console_seed import DAYS, seed, timed  # scripts/ is on the path

from billing_core.billing_calendar import eastern_date
from billing_core.runtime import BillingRuntime
from billing_core.settings import Settings
from database import migrate
from ivr.ops.models import DailyCount, DailyLatency, DailyMiss, RollupDay
from ivr.ops.pages import PAGES
from ivr.ops.rollup import store_day
from ivr.ops.users import create_user
from ivr.outcomes.masking import group_key, mask_utterance
from ivr.outcomes.recorder import TurnEvent, events_engine, record_turn

ADMIN_URL = os.environ.get("DATABASE_URL_TEST", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PASSWORD = "bench password 123"


def p95(samples: list[float]) -> float:
    return (
        statistics.quantiles(samples, n=20, method="inclusive")[-1]
        if len(samples) > 1
        else samples[0]
    )


def sign_in(client) -> None:  # type: ignore[no-untyped-def]
    import re

    page = client.get("/ops/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    answer = client.post(
        "/ops/login",
        data={"username": "bench", "password": PASSWORD, "csrf_token": token},
        headers={"Origin": "http://localhost"},
    )
    assert answer.status_code == 302, answer.status_code


def time_pages(app, loads: int, chosen: str) -> list[tuple[str, str, float, float]]:  # type: ignore[no-untyped-def]
    client = app.test_client()
    sign_in(client)
    results = []
    paths = [f"/ops/{slug}" for slug in PAGES] + ["/ops/misses"]
    for path in paths:
        for label, query in (
            ("today", "period=today"),
            ("day", f"period=day&day={chosen}"),
            ("30 days", "period=30d"),
        ):
            samples = []
            for _ in range(loads):
                started = time.perf_counter()
                response = client.get(f"{path}?{query}")
                samples.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (path, response.status_code)
            results.append((path, label, statistics.median(samples), p95(samples)))
            print(
                f"{path} {label}: p50 {results[-1][2]:.0f} ms, p95 {results[-1][3]:.0f} ms",
                flush=True,
            )
    return results


def time_recording(engine, samples: int = 2000) -> tuple[float, float, float, float]:  # type: ignore[no-untyped-def]
    masking, recording = [], []
    now = datetime.now(UTC)
    for i in range(samples):
        started = time.perf_counter()
        masked = mask_utterance("my zip is 02108 and I want to pay my bill by phone")
        event = TurnEvent(
            "voice",
            f"bench{i // 6:027d}",
            now,
            "en",
            latency_ms=80,
            input="speech",
            intent="pay_bill",
            confidence=0.9,
            replies=["ask_amount"],
            text=masked,
            text_key=group_key(masked),
        )
        middle = time.perf_counter()
        record_turn(engine, event)
        done = time.perf_counter()
        masking.append((middle - started) * 1000)
        recording.append((done - middle) * 1000)
    return statistics.median(masking), p95(masking), statistics.median(recording), p95(recording)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=1_000_000)
    parser.add_argument("--loads", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    name = f"hc_bench_console_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    now = datetime.now(UTC)
    try:
        migrate(url)
        timed("seed (total)", seed, url, args.conversations, now)
        key = Path(tempfile.mkdtemp()) / "bank.key"
        key.write_bytes(Fernet.generate_key())
        runtime = BillingRuntime.start(Settings(database_url=url, bank_data_key_path=key))
        engine = runtime.engine
        today = eastern_date(now)
        closed = [today - timedelta(days=d) for d in range(DAYS - 1, 0, -1)]
        started = time.perf_counter()
        for day in closed:
            store_day(engine, day, now)
        rollup_s = time.perf_counter() - started
        print(
            f"rollup of {len(closed)} closed days: {rollup_s:.1f} s ({rollup_s / len(closed):.2f} s a day)"
        )
        create_user(engine, "bench", PASSWORD, "analyst", now)

        from ivr.app import create_app
        from ivr.config import ChannelSettings

        os.environ.setdefault("HC_DEVELOPMENT", "1")
        app = create_app({"TESTING": True}, runtime=runtime, channels=ChannelSettings("bench"))
        chosen = (today - timedelta(days=7)).isoformat()
        results = time_pages(app, args.loads, chosen)
        # Cold: one closed day's rollup is missing, so the first 30-day load computes it.
        with engine.begin() as conn:
            for table in (DailyCount, DailyLatency, DailyMiss, RollupDay):
                conn.execute(delete(table).where(table.day == closed[10]))
        client = app.test_client()
        sign_in(client)
        started = time.perf_counter()
        assert client.get("/ops/containment?period=30d").status_code == 200
        cold = (time.perf_counter() - started) * 1000
        print(f"cold 30-day containment (one day to roll up): {cold:.0f} ms")
        mask50, mask95, rec50, rec95 = time_recording(events_engine(engine))
        print(f"masking one utterance: p50 {mask50:.2f} ms, p95 {mask95:.2f} ms")
        print(
            f"recording one turn (one statement, Postgres): p50 {rec50:.2f} ms, p95 {rec95:.2f} ms"
        )
        print("\n| page | today p50 / p95 | chosen day p50 / p95 | 30 days p50 / p95 |")
        print("|---|---|---|---|")
        for i in range(0, len(results), 3):
            row = results[i : i + 3]
            print(
                f"| `{row[0][0]}` | "
                + " | ".join(f"{r[2]:.0f} / {r[3]:.0f} ms" for r in row)
                + " |"
            )
        worst = max(r[3] for r in results)
        print(f"\nworst p95: {worst:.0f} ms ({'within' if worst <= 300 else 'OVER'} 300 ms)")
        runtime.engine.dispose()
    finally:
        if not args.keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        else:
            print(f"kept database {name}")
        admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
