"""Seeds the console benchmark's database set-based (generate_series): outcome events in time
order, payments and returns, audit events, reminder texts and opt-outs (scripts/bench_console.py)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from sqlalchemy import create_engine, text

from billing_core.billing_calendar import eastern_date
from ivr.ops.periods import day_bounds

DAYS = 30

# Words for the missed utterances: 20 x 20 x 10 = 4000 different phrasings, no digits.
A = "how,where,when,why,can,could,what,who,do,does,is,will,should,would,may,which,are,did,has,have"
B = "pay,send,mail,change,cancel,stop,start,find,get,see,check,update,move,fix,add,drop,use,set,keep,call"
C = "bill,autopay,card,check,refund,form,letter,account,plan,premium"

CONVERSATIONS = """
INSERT INTO outcome_conversations (id, ref, channel, language, started_at, last_at, ended_at,
    turns, verified, intents, tasks, faq_topic, transfer_reason, outcome, fallbacks, outage_turns,
    last_reply)
SELECT i, md5(i::text), channel, language, t, t + interval '90 seconds',
       t + interval '100 seconds', 6, i % 3 <> 0, (1 << (i % 16)) | 256, tasks,
       CASE WHEN tasks = 32 THEN 'pay_by_mail' END, reason,
       CASE WHEN reason IS NOT NULL THEN 'transferred' WHEN tasks <> 0 THEN 'self_served'
            ELSE 'abandoned' END,
       CASE WHEN i % 7 = 0 THEN 1 ELSE 0 END, CASE WHEN i % 50 = 9 THEN 1 ELSE 0 END, NULL
FROM (
  SELECT i,
         CASE WHEN i % 10 < 6 THEN 'voice' WHEN i % 10 < 8 THEN 'chat' ELSE 'sms' END AS channel,
         CASE WHEN i % 5 = 0 THEN 'es' ELSE 'en' END AS language,
         -- in time order, as an append-only log is: ids of one day together, times increasing
         (CAST(:starts AS timestamp[]))[1 + ((i - 1)::bigint * 30) / :n]
           + make_interval(secs => ((i - 1) - (((i - 1)::bigint * 30) / :n) * :n / 30)::float8
                           * (CAST(:lengths AS int[]))[1 + ((i - 1)::bigint * 30) / :n]
                           / (:n / 30.0)) AS t,
         CASE WHEN i % 10 < 6 THEN 1 << (i % 6) ELSE 0 END AS tasks,
         CASE WHEN i % 10 = 6 THEN 'caller_asked' WHEN i % 20 = 7 THEN 'not_understood'
              WHEN i % 50 = 9 THEN 'outage' END AS reason
  FROM generate_series(1, :n) i
) s
"""
TURNS = """
INSERT INTO outcome_turns (id, conversation_id, at, channel, latency_ms, rasa_ms, input, intent,
    confidence, fallback, outage, miss, reply, topic, text, text_key)
SELECT (c.id - 1) * 6 + k + 1, c.id, c.started_at + make_interval(secs => k * 15), c.channel,
       CASE WHEN (c.id + k) % 97 = 0 THEN 1500 ELSE 20 + (c.id * 31 + k * 17) % 400 END,
       15 + (c.id * 13 + k) % 300,
       CASE WHEN k = 2 THEN 'speech' ELSE 'dtmf' END,
       (ARRAY['check_balance','ask_due_date','pay_bill','inform','affirm','deny','faq',
              'ask_autopay_status','talk_to_agent','greet','goodbye','help','out_of_scope',
              'enroll_autopay','cancel_autopay'])[1 + (c.id + k) % 15],
       CASE WHEN k = 2 AND c.id % 10 = 0 THEN 0.2 + (c.id % 40) / 100.0 ELSE 0.95 END,
       k = 2 AND c.id % 20 = 0, k = 1 AND c.id % 50 = 9, k = 2 AND c.id % 10 = 0,
       'anything_else', CASE WHEN (c.id + k) % 15 = 6 THEN 'pay_by_mail' END,
       CASE WHEN k = 2 THEN w.phrase END, CASE WHEN k = 2 THEN lower(w.phrase) END
FROM outcome_conversations c
CROSS JOIN generate_series(0, 5) k
CROSS JOIN LATERAL (
  SELECT (string_to_array(:a, ','))[1 + c.id % 20] || ' do i ' ||
         (string_to_array(:b, ','))[1 + (c.id / 20) % 20] || ' my ' ||
         (string_to_array(:c, ','))[1 + (c.id / 400) % 10] AS phrase
) w
"""
BILLING = """
INSERT INTO accounts (id, account_number, kind, name, zip_code, language, paperless, timezone,
                      created_at)
SELECT g, (5000000000 + g)::text, 'household', 'Member ' || g, '02108', 'en', false,
       'America/New_York', :t0
FROM generate_series(1, 1000) g;
INSERT INTO payments (id, confirmation_number, idempotency_key, account_id, amount, fee, method,
                      channel, status, effective_date, created_at)
SELECT g, 'B' || g, 'bench:' || g, 1 + g % 1000, 1000 + (g * 37) % 50000, 0, 'eft',
       (ARRAY['voice','web','autopay','mail','walk_in','bill_pay'])[1 + g % 6],
       CASE WHEN g % 100 = 0 THEN 'returned' ELSE 'settled' END, CAST(:day0 AS date),
       :t0 + make_interval(secs => (g * 4.32)::int)
FROM generate_series(1, 600000) g;
INSERT INTO payment_reversals (id, payment_id, account_id, amount, return_code, returned_on,
                               source, created_at)
SELECT g / 100, g, 1 + g % 1000, 1000 + (g * 37) % 50000, 'R01',
       (CAST(:day0 AS date)) + (g / 20000 + 2) % 30, 'bench', :t0
FROM generate_series(100, 600000, 100) g;
INSERT INTO audit_events (id, at, account_id, channel, reference, action, detail)
SELECT g, :t0 + make_interval(secs => (g * 2.4)::int), 1 + g % 1000, 'voice', NULL,
       CASE WHEN g % 40 = 0 THEN (ARRAY['autopay_enrolled','autopay_changed','autopay_paused',
                                        'autopay_cancelled','autopay_suspended'])[1 + g / 40 % 5]
            ELSE 'verify_ok' END, '{}'
FROM generate_series(1, 1000000) g;
INSERT INTO sms_messages (id, dedupe_key, purpose, to_number, body, transport, sid, status,
                          status_rank, created_at, updated_at)
SELECT g, 'bench:' || g, 'reminder', '+1617555' || lpad((g % 10000)::text, 4, '0'), 'Reminder',
       'twilio', 'SM' || g,
       (ARRAY['delivered','delivered','delivered','delivered','sent','failed','undelivered'])[1 + g % 7],
       3, :t0 + make_interval(secs => (g * 8.64)::int), :t0 + make_interval(secs => (g * 8.64)::int)
FROM generate_series(1, 300000) g;
INSERT INTO sms_opt_outs (number, opted_out_at, source)
SELECT '+1508555' || lpad(g::text, 4, '0'), :t0 + make_interval(secs => g * 259), 'STOP'
FROM generate_series(1, 9999) g;
"""
TURN_INDEXES = (
    "CREATE INDEX ix_outcome_turns_at ON outcome_turns (at)",
    "CREATE INDEX ix_outcome_turns_miss_at ON outcome_turns (at) WHERE miss",
    "CREATE INDEX ix_outcome_turns_outage_at ON outcome_turns (at) WHERE outage",
)


def timed(label: str, fn, *args):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = fn(*args)
    print(f"{label}: {time.perf_counter() - started:.1f} s", flush=True)
    return result


def seed(url: str, n: int, now: datetime) -> None:
    today = eastern_date(now)
    days = [today - timedelta(days=DAYS - 1 - d) for d in range(DAYS)]
    starts, lengths = [], []
    for day in days:
        start, end = day_bounds(day)
        starts.append(start.replace(tzinfo=None))
        # Today gets a whole day's share of conversations, in the part of the day gone so far.
        length = (min(end, now - timedelta(minutes=5)) - start).total_seconds()
        lengths.append(max(60, int(length) - 120))
    engine = create_engine(url)
    with engine.begin() as conn:
        for statement in TURN_INDEXES:
            conn.execute(text(f"DROP INDEX {statement.split()[2]}"))
    with engine.begin() as conn:
        timed(
            "seed conversations",
            conn.execute,
            text(CONVERSATIONS),
            {"starts": starts, "lengths": lengths, "n": n},
        )
        timed("seed turns", conn.execute, text(TURNS), {"a": A, "b": B, "c": C})
    with engine.begin() as conn:
        for statement in TURN_INDEXES:
            timed(statement.split(" ON ")[0].lower(), conn.execute, text(statement))
        t0 = starts[0]
        for statement in BILLING.strip().split(";\n"):
            if statement.strip():
                conn.execute(text(statement), {"t0": t0, "day0": days[0]})
        print("seeded billing tables", flush=True)
        for table in ("outcome_conversations", "outcome_turns"):
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )
            )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        timed("vacuum analyze", conn.execute, text("VACUUM ANALYZE"))
    engine.dispose()
