"""Operator command line for cron or by hand:

python -m ivr.sms remind  [--now ISO] [--rate N] [--batch N] [--quiet]
    due-date reminders, then the back office's notices (one job, one rate limit)
python -m ivr.sms notices [--now ISO] [--rate N] [--batch N] [--quiet]
    only the back office's notices (member_notifications, channel sms; see ivr.sms.notices)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from tqdm import tqdm

from billing_core.runtime import BillingRuntime
from billing_core.startup import refuses_without_secrets
from ivr.settings import SmsJobSettings
from ivr.sms.notice_ledger import NoticeStats
from ivr.sms.notices import run_notices, run_sms_jobs
from ivr.sms.reminders import RunStats
from ivr.sms.transport import OutboxTransport, transport_from_settings

EX_TEMPFAIL = 75  # sysexits: try again later (cron / Kubernetes retries the job)


def _instant(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise argparse.ArgumentTypeError("give a time zone, e.g. 2026-12-16T14:00:00-05:00")
    return parsed.astimezone(UTC)


def _summary(stats: RunStats | NoticeStats, transport: str, what: str) -> str:
    ledgered = ", ".join(f"{k} {v}" for k, v in sorted(stats.ledgered.items())) or "none"
    lines = [
        f"{what} ledgered: {ledgered}",
        f"{what} sent via {transport}: {stats.sent}; failed {stats.failed}; "
        f"skipped (opted out) {stats.skipped_opted_out}; expired {stats.expired}; "
        f"reconciled after a crash {stats.reconciled}; deferred to sending hours {stats.deferred}",
    ]
    if isinstance(stats, NoticeStats):
        if stats.to_mail:
            lines.append(f"notices handed back to the letter run: {stats.to_mail}")
        if stats.late_rege:
            lines.append(
                f"WARNING: {stats.late_rege} Reg E notices texted < 10 days before the draft"
            )
    if stats.transport_error:
        lines.append(f"stopped early, transport unavailable: {stats.transport_error}")
    return "\n".join(lines)


def _export_metrics(results: list[tuple[RunStats | NoticeStats, str]], path: str | None) -> None:
    """A cron job has no /metrics: write the counts for node_exporter's textfile collector."""
    if not path:
        return
    from prometheus_client import CollectorRegistry, Gauge, write_to_textfile

    registry = CollectorRegistry()
    gauge = Gauge(
        "ivr_reminder_job_last_run",
        "Reminders and notices of the last `python -m ivr.sms remind` run, by status",
        ["kind", "status"],
        registry=registry,
    )
    for stats, what in results:
        for status in ("sent", "failed", "skipped_opted_out", "expired", "deferred", "reconciled"):
            gauge.labels(what, status).set(getattr(stats, status))
    write_to_textfile(path, registry)


@refuses_without_secrets
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ivr.sms", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_ in (
        ("remind", "ledger and send today's reminders, then the back office's notices"),
        ("notices", "ledger and send the back office's notices only"),
    ):
        cmd = sub.add_parser(name, help=help_)
        cmd.add_argument("--now", type=_instant, help="pretend it is this instant (ISO, with zone)")
        cmd.add_argument("--rate", type=float, help="messages per second (0 = no limit)")
        cmd.add_argument("--batch", type=int, help="rows claimed per transaction")
        cmd.add_argument("--quiet", action="store_true", help="do not print outbox texts")
    args = parser.parse_args(argv)

    # The environment, once; secrets first (Twilio token and REST credentials, bank-data key),
    # before any work is done.
    job = SmsJobSettings.from_env()
    settings = job.reminders
    if args.rate is not None:
        settings = replace(settings, rate=args.rate)
    if args.batch:
        settings = replace(settings, batch_size=args.batch)
    channels = job.channels
    transport = transport_from_settings(channels)
    if args.quiet and isinstance(transport, OutboxTransport):
        transport.stream = None
    runtime = BillingRuntime.start(job.billing)

    bars: list[tqdm] = []

    def progress_factory(total: int) -> Callable[[int], None]:
        if not sys.stderr.isatty():
            return lambda n: None
        bar = tqdm(total=total, unit="sms", desc="reminders", file=sys.stderr)
        bars.append(bar)
        return bar.update

    results: list[tuple[RunStats | NoticeStats, str]] = []
    try:
        if args.command == "remind":
            reminders, notices = run_sms_jobs(
                runtime,
                transport,
                settings=settings,
                channels=channels,
                now=args.now,
                progress_factory=progress_factory,
            )
            results = [(reminders, "reminders"), (notices, "notices")]
        else:
            notices = run_notices(
                runtime, transport, settings=settings, channels=channels, now=args.now
            )
            results = [(notices, "notices")]
    finally:
        for bar in bars:
            bar.close()
        runtime.engine.dispose()
    for stats, what in results:
        print(_summary(stats, transport.name, what), file=sys.stderr)
    _export_metrics(results, settings.metrics_textfile)
    return EX_TEMPFAIL if any(stats.transport_error for stats, _ in results) else 0
