"""`python -m ivr.letters build [--date D] [--out DIR]` | `release BATCH_ID`: the letter run."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime, time
from pathlib import Path

from billing_core.backoffice.letters import build_letter_batch, release_letter_batch
from billing_core.billing_calendar import EASTERN, utcnow
from billing_core.runtime import BillingRuntime
from billing_core.settings import REPO_ROOT, Settings
from ivr.letters import render_letter


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ivr.letters", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="print-ready PDFs and a manifest of today's letters")
    build.add_argument("--date", type=date.fromisoformat)
    build.add_argument("--out", type=Path, default=REPO_ROOT / "var" / "letters")
    release = sub.add_parser("release", help="the mail house has the batch: its notices are sent")
    release.add_argument("batch_id", type=int)
    args = parser.parse_args(argv)
    runtime = BillingRuntime.start(Settings.from_env())
    if args.command == "build":
        now = (
            datetime.combine(args.date, time(6), tzinfo=EASTERN).astimezone(UTC)
            if args.date
            else utcnow()
        )
        result = build_letter_batch(runtime.uow, now=now, out_dir=args.out, render=render_letter)
        print(f"batch {result.batch_id}: {result.letters} letters in {result.directory}")
        return 0
    with runtime.uow() as uow:
        sent = release_letter_batch(uow, args.batch_id, now=utcnow())
    print(f"batch {args.batch_id} released: {sent} notices sent")
    return 0


if __name__ == "__main__":
    sys.exit(main())
