"""Back-office command line: `python -m billing_core.backoffice drafts|rege|nacha|processor|returns|
retries|refunds|import-payments|delinquency|settle|daily`, with progress on stderr. Every command is safe to run twice and in parallel."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, date, datetime, time
from pathlib import Path

from tqdm import tqdm

from billing_core.backoffice.delinquency_job import run_delinquency
from billing_core.backoffice.drafts import plan_rege_notices, run_drafts
from billing_core.backoffice.import_files import read_lockbox_bai2, read_payment_csv
from billing_core.backoffice.nacha import NachaFormatError, run_origination
from billing_core.backoffice.nacha.writer import Originator
from billing_core.backoffice.payment_import import import_payments
from billing_core.backoffice.processor import HttpProcessor, run_processor_debits
from billing_core.backoffice.refunds import run_refunds
from billing_core.backoffice.representment import run_retries
from billing_core.backoffice.return_items import read_return_csv, read_return_file
from billing_core.backoffice.returns import apply_returns
from billing_core.backoffice.settlement import run_settlement
from billing_core.billing_calendar import EASTERN, eastern_date, utcnow
from billing_core.errors import BillingError
from billing_core.runtime import BillingRuntime
from billing_core.settings import REPO_ROOT, Settings
from billing_core.startup import refuses_without_secrets

DEFAULT_OUT = REPO_ROOT / "var" / "ach"


def _bar(desc: str, unit: str, quiet: bool) -> tqdm:
    return tqdm(desc=desc, unit=unit, file=sys.stderr, disable=quiet, leave=True)


def _as_of(day: date | None) -> datetime:
    """`--date` runs a job as of 6 AM Eastern that day (replays, catch-up); else now."""
    if day is None:
        return utcnow()
    return datetime.combine(day, time(6), tzinfo=EASTERN).astimezone(UTC)


@refuses_without_secrets
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m billing_core.backoffice", description=__doc__)
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_text in [
        ("drafts", "create today's AutoPay debits"),
        ("rege", "record Reg E notices for changed AutoPay amounts"),
        ("retries", "re-present R01/R09 returns that are due"),
        ("delinquency", "move accounts through past due, grace and termination"),
        ("settle", "settle originated debits whose return window has passed"),
        ("processor", "send due debits of tokenized bank accounts to the payment processor"),
        ("refunds", "refund the credit of accounts whose coverage has ended"),
    ]:
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--date", type=date.fromisoformat)
    for name, help_text in [
        ("nacha", "write the origination file of pending debits"),
        ("daily", "rege, drafts, retries, refunds, nacha, processor, settle and delinquency"),
    ]:
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--date", type=date.fromisoformat)
        p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="directory for .ach files")
    ret = sub.add_parser("returns", help="import a NACHA return/NOC file or a CSV of returns")
    ret.add_argument("file", type=Path)
    ret.add_argument("--csv", action="store_true", help="the file is CSV, not NACHA")
    ret.add_argument("--date", type=date.fromisoformat, help="date received (default today)")
    imp = sub.add_parser("import-payments", help="post payments made elsewhere: BAI2 or CSV")
    imp.add_argument("file", type=Path)
    imp.add_argument("--csv", action="store_true", help="the file is CSV, not BAI2")
    imp.add_argument("--date", type=date.fromisoformat, help="date imported (default today)")
    args = parser.parse_args(argv)

    env = dict(os.environ)  # this process's one reading of its environment
    runtime = BillingRuntime.start(Settings.from_env(env))
    now = _as_of(args.date)
    today = eastern_date(now)
    q = args.quiet
    try:
        if args.command in ("rege", "daily"):
            with _bar("reg E", "acct", q) as bar:
                plan = plan_rege_notices(runtime.uow, now=now, progress=bar.update)
            print(f"reg E notices recorded: {plan.notices}")
        if args.command in ("drafts", "daily"):
            with _bar("drafts", "acct", q) as bar:
                res = run_drafts(runtime.uow, now=now, progress=bar.update)
            if res.skipped_not_business_day:
                print(f"{res.run_date}: not a banking day, no drafts")
            else:
                print(
                    f"drafts {res.run_date} for {res.coverage_month:%B %Y}: "
                    f"{res.drafts} created, ${res.amount}"
                )
        if args.command in ("retries", "daily"):
            with _bar("retries", "retry", q) as bar:
                rr = run_retries(runtime.uow, now=now, run_date=today, progress=bar.update)
            print(f"retries: {rr.presented} presented (${rr.amount}), {rr.cancelled} cancelled")
        if args.command in ("refunds", "daily"):
            with _bar("refunds", "acct", q) as bar:
                rf = run_refunds(runtime.uow, now=now, run_date=today, progress=bar.update)
            print(f"refunds: {rf.refunds} created, ${rf.amount} ({rf.by_check} by check)")
        if args.command in ("nacha", "daily"):
            with _bar("nacha", "entry", q) as bar:
                fr = run_origination(
                    runtime.uow,
                    now=now,
                    file_date=today,
                    out_dir=args.out,
                    originator=Originator.from_env(env),
                    progress=bar.update,
                )
            if fr.path is None:
                print("nacha: nothing to originate")
            else:
                print(
                    f"nacha: {fr.path} {fr.batches} batches, {fr.entries} entries, "
                    f"${fr.total}, entry hash {fr.entry_hash}; "
                    f"{fr.credits} refunds, ${fr.credit_total}"
                )
        if args.command in ("processor", "daily"):
            with _bar("processor", "debit", q) as bar:
                pr = run_processor_debits(
                    runtime.uow,
                    HttpProcessor.from_env(env),
                    now=now,
                    run_date=today,
                    progress=bar.update,
                )
            if pr.waiting:
                print(f"processor: {pr.waiting} debits wait, PROCESSOR_URL is not set")
            else:
                print(
                    f"processor: {pr.sent} sent, {pr.accepted} accepted, {pr.declined} declined, "
                    f"{pr.unanswered} unanswered (sent again next run)"
                )
        if args.command in ("settle", "daily"):
            print(f"settled: {run_settlement(runtime.uow, now=now, run_date=today)} payments")
        if args.command in ("delinquency", "daily"):
            with _bar("delinquency", "acct", q) as bar:
                dr = run_delinquency(runtime.uow, now=now, progress=bar.update)
            changes = ", ".join(f"{k} {v}" for k, v in sorted(dr.changes.items())) or "none"
            print(f"delinquency: {dr.evaluated} accounts evaluated; changes: {changes}")
        if args.command == "import-payments":
            return _import(runtime, args.file, args.csv, now, today)
        if args.command == "returns":
            text = args.file.read_text()
            reader = read_return_csv if args.csv else read_return_file
            items = reader(text, received_on=today)
            with _bar("returns", "item", q) as bar:
                r = apply_returns(
                    runtime.uow, items, now=now, source=args.file.name, progress=bar.update
                )
            print(
                f"returns: {r.returned} reversed, {r.duplicates} already applied, "
                f"{r.corrections} NOCs, {r.retries_scheduled} retries scheduled, "
                f"{r.suspended} AutoPay suspended, {len(r.unmatched)} unmatched"
            )
            for ref in r.unmatched:
                print(f"  unmatched: {ref}", file=sys.stderr)
    except (BillingError, NachaFormatError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        runtime.engine.dispose()
    return 0


def _import(runtime: BillingRuntime, path: Path, is_csv: bool, now: datetime, today: date) -> int:
    text = path.read_text()
    reader = read_payment_csv if is_csv else read_lockbox_bai2
    report = import_payments(
        runtime.uow, reader(text, today=today), file_name=path.name, content=text, now=now
    )
    for s in report.skipped:
        print(f"  line {s.line}: skipped, {s.reason}", file=sys.stderr)
    if report.status == "rejected":
        for e in report.errors:
            print(f"  line {e.line}: {e.field}: {e.reason}", file=sys.stderr)
        print(
            f"import {report.import_id}: rejected, {len(report.errors)} bad lines, nothing posted"
        )
        return 1
    print(
        f"import {report.import_id}: {report.posted} payments posted (${report.amount}), "
        f"{report.duplicates} already posted, {len(report.skipped)} lines skipped"
    )
    return 0
