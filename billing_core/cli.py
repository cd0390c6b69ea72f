"""Operator command line: `python -m billing_core demo | bill-run | show ACCOUNT`.

The schema is created and upgraded by `python -m database migrate` (the application's database,
channel tables included).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date

from billing_core.balances import get_balance
from billing_core.bill_run import next_coverage_month, run_bill_run
from billing_core.billing_calendar import eastern_date, utcnow
from billing_core.delinquency import delinquency_state
from billing_core.demo import DEMO_MEMBERS, load_demo_data
from billing_core.errors import BillingError
from billing_core.runtime import BillingRuntime
from billing_core.settings import Settings
from billing_core.startup import refuses_without_secrets


def _month(value: str) -> date:
    return date.fromisoformat(value + "-01") if len(value) == 7 else date.fromisoformat(value)


@refuses_without_secrets
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m billing_core", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="load the demo accounts listed in the README")
    bill = sub.add_parser("bill-run", help="bill every active coverage for a coverage month")
    bill.add_argument("--month", type=_month, help="YYYY-MM coverage month (default: next month)")
    show = sub.add_parser("show", help="show an account's balance and delinquency state")
    show.add_argument("account_number")
    args = parser.parse_args(argv)

    settings = Settings.from_env()
    runtime = BillingRuntime.start(settings, create_key=args.command == "demo")
    now = utcnow()
    try:
        with runtime.uow() as uow:
            if args.command == "demo":
                created = load_demo_data(uow, now=now)
                for m in DEMO_MEMBERS:
                    mark = "created" if m in created else "exists "
                    print(f"{mark} {m.account_number}  {m.name:<22} ZIP {m.zip_code}  {m.story}")
            elif args.command == "bill-run":
                month = args.month or next_coverage_month(eastern_date(now))
                count = run_bill_run(uow, month, now=now)
                print(f"bill run for {month:%B %Y}: {count} invoices created")
            elif args.command == "show":
                bal = get_balance(uow, args.account_number, now=now)
                state = delinquency_state(uow, args.account_number, on=now)
                print(
                    f"account {bal.account_number}: due now ${bal.amount_due}, "
                    f"past due ${bal.past_due}, next ${bal.next_amount} due "
                    f"{bal.next_due_at.isoformat() if bal.next_due_at else '-'}, "
                    f"state {state.state}"
                )
    except BillingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
