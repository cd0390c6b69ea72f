"""Operator command line for cron or by hand:

python -m ivr.voice purge [--older-than-hours 48]
    drop the state and answered turns of calls untouched for that long: calls whose final status
    callback never came (a call's rows are otherwise dropped when Twilio reports it ended)
"""

from __future__ import annotations

import argparse
from datetime import timedelta

from billing_core.runtime import BillingRuntime
from billing_core.startup import refuses_without_secrets
from ivr.voice.state import CallStore


def _hours(value: str) -> float:
    hours = float(value)
    if not hours > 0:
        raise argparse.ArgumentTypeError("must be more than 0 (live calls would be dropped)")
    return hours


@refuses_without_secrets
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ivr.voice",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    purge = sub.add_parser("purge", help="drop the state of calls untouched for a while")
    purge.add_argument(
        "--older-than-hours",
        type=_hours,
        default=48.0,
        help="age of the last turn (default 48)",
    )
    args = parser.parse_args(argv)

    runtime = BillingRuntime.start()
    try:
        count = CallStore(runtime).purge_older_than(timedelta(hours=args.older_than_hours))
    finally:
        runtime.engine.dispose()
    print(f"purged {count} calls untouched for {args.older_than_hours:g} hours")
    return 0
