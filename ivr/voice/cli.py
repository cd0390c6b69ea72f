"""Operator command line for cron or by hand:

python -m ivr.voice purge [--older-than-hours 48]
    drop the state and answered turns of calls untouched for that long: calls whose final status
    callback never came (a call's rows are otherwise dropped when Twilio reports it ended)
python -m ivr.voice callbacks [--on YYYY-MM-DD]
    list the after-hours callback requests not yet called back (those due that day), in calling
    order: number, day and window, language, and what the caller wanted
python -m ivr.voice callbacks done ID
    mark one request as called back
"""

from __future__ import annotations

import argparse
from datetime import date, timedelta

from billing_core.billing_calendar import utcnow
from billing_core.runtime import BillingRuntime
from billing_core.startup import refuses_without_secrets
from ivr.voice import callbacks
from ivr.voice.state import CallStore


def _hours(value: str) -> float:
    hours = float(value)
    if not hours > 0:
        raise argparse.ArgumentTypeError("must be more than 0 (live calls would be dropped)")
    return hours


def _parser() -> argparse.ArgumentParser:
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
    listing = sub.add_parser("callbacks", help="after-hours callback requests still to call")
    listing.add_argument("--on", type=date.fromisoformat, help="only those due this day")
    listing.add_argument("done", nargs="?", help="'done' to mark the request ID called back")
    listing.add_argument("id", nargs="?", type=int)
    return parser


def _callbacks(runtime: BillingRuntime, args: argparse.Namespace) -> int:
    if args.done is not None:
        if args.done != "done" or args.id is None:
            print("usage: python -m ivr.voice callbacks done ID")
            return 2
        with runtime.uow() as uow:
            marked = callbacks.mark_done(uow, args.id, utcnow())
        print(f"callback #{args.id} {'marked done' if marked else 'not found or already done'}")
        return 0 if marked else 1
    with runtime.uow() as uow:
        rows = callbacks.pending(uow, args.on)
        for row in rows:
            print(callbacks.describe(row))
    print(f"{len(rows)} callback request(s) to call")
    return 0


@refuses_without_secrets
def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    runtime = BillingRuntime.start()
    try:
        if args.command == "callbacks":
            return _callbacks(runtime, args)
        count = CallStore(runtime).purge_older_than(timedelta(hours=args.older_than_hours))
    finally:
        runtime.engine.dispose()
    print(f"purged {count} calls untouched for {args.older_than_hours:g} hours")
    return 0
