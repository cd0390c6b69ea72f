"""Operator command line for cron or by hand:

python -m ivr.outcomes purge [--older-than-days N]
    delete outcome events (conversations, turns, masked words) older than N days; the default is
    OUTCOME_RETENTION_DAYS (90). Run it daily.
"""

from __future__ import annotations

import argparse
import os

from billing_core.billing_calendar import utcnow
from billing_core.db import make_engine
from billing_core.settings import Settings
from billing_core.startup import refuses_without_secrets
from ivr.outcomes.retention import purge_outcomes
from ivr.outcomes.settings import OutcomeSettings, retention_days


def _days(value: str) -> int:
    try:
        return retention_days(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


@refuses_without_secrets
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ivr.outcomes",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    purge = sub.add_parser("purge", help="delete outcome events past the retention period")
    purge.add_argument(
        "--older-than-days",
        type=_days,
        default=None,
        help="age of a conversation's last turn (default: OUTCOME_RETENTION_DAYS or 90)",
    )
    args = parser.parse_args(argv)
    env = dict(os.environ)  # this process's one reading of its environment
    days = args.older_than_days or OutcomeSettings.load({}, env).retention_days
    engine = make_engine(Settings.from_env(env).database_url)  # no bank data: no key needed
    try:
        count = purge_outcomes(engine, older_than_days=days, now=utcnow())
    finally:
        engine.dispose()
    print(f"purged {count} conversations older than {days} days")
    return 0
