"""Load test of the voice webhooks: N concurrent simulated callers through the whole stack.

    python scripts/bench_voice.py --url http://127.0.0.1:8000 [--calls 50] [--pause 2] [--seconds 30]
    python scripts/bench_voice.py --url http://127.0.0.1:8001,http://127.0.0.1:8002   # round-robin

Needs the app (gunicorn), the Rasa server, the action server and demo data (`python -m billing_core
demo`) on the same database, and TWILIO_AUTH_TOKEN as the app has it. Three phases:
1. callers pause `--pause` s between hearing an answer and replying, as people do: webhook latency;
2. saturation: the same calls with no pause: turns per second the stack sustains;
3. keypad-only turns the IVR answers itself (greeting, language, menu repeat), with the pause.
A call in phases 1-2: greeting, English, balance, account number, ZIP code (Rasa and an action
verify and answer), "no" (goodbye).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field

import requests
from lxml import etree
from twilio.request_validator import RequestValidator

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))
from ivr.config import ChannelSettings

FULL_CALL = ["1", "1", "1000000001", "02108", "2"]
KEYPAD_CALL = ["1", "9", "9", "9", "9", "9"]


@dataclass
class Results:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, seconds: float, ok: bool) -> None:
        with self.lock:
            self.latencies.append(seconds)
            if not ok:
                self.errors += 1


class Caller:
    """One caller; with several base URLs each turn goes to the next one (a load balancer)."""

    def __init__(self, base: str, token: str, phone: str):
        self.bases = [b.rstrip("/") for b in base.split(",") if b.strip()]
        self.turns = 0
        self.validator = RequestValidator(token)
        self.http = requests.Session()
        self.phone = phone

    def post(self, path: str, form: dict[str, str], results: Results) -> etree._Element | None:
        url = self.bases[self.turns % len(self.bases)] + path
        self.turns += 1
        headers = {"X-Twilio-Signature": self.validator.compute_signature(url, form)}
        started = time.perf_counter()
        try:
            response = self.http.post(url, data=form, headers=headers, timeout=20)
            ok = response.status_code == 200
        except requests.RequestException:
            results.add(time.perf_counter() - started, False)
            return None
        results.add(time.perf_counter() - started, ok)
        return etree.fromstring(response.content) if ok and response.content.strip() else None

    def call(self, keys: list[str], pause: float, results: Results) -> None:
        sid = "CA" + uuid.uuid4().hex
        form = {"CallSid": sid, "From": self.phone, "To": "+18776236765"}
        doc = self.post("/voice/incoming", {**form, "CallStatus": "ringing"}, results)
        for key in keys:
            gather = doc.find("Gather") if doc is not None else None
            if gather is None:
                break
            time.sleep(pause)
            doc = self.post(gather.get("action"), {**form, "Digits": key}, results)
        self.post("/voice/status", {**form, "CallStatus": "completed"}, Results())


def run_phase(
    name: str, base: str, token: str, calls: int, pause: float, seconds: float, keys: list[str]
) -> Results:
    results = Results()
    stop = time.monotonic() + seconds

    def caller(n: int) -> None:
        c = Caller(base, token, f"+1617555{n:04d}")
        time.sleep(n * pause / max(calls, 1))  # stagger the first calls, as real arrivals are
        while time.monotonic() < stop:
            c.call(keys, pause, results)

    threads = [threading.Thread(target=caller, args=(n,)) for n in range(calls)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    report(name, results, elapsed)
    return results


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000


def report(name: str, results: Results, elapsed: float) -> None:
    lat = results.latencies
    print(
        f"{name:<44} turns {len(lat):>6}  errors {results.errors:>3}  "
        f"p50 {pct(lat, 50):6.1f} ms  p95 {pct(lat, 95):6.1f} ms  p99 {pct(lat, 99):6.1f} ms  "
        f"mean {statistics.fmean(lat) * 1000 if lat else 0:6.1f} ms  {len(lat) / elapsed:6.1f} turns/s"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--url", default="http://127.0.0.1:8000", help="base URL, or several separated by commas"
    )
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--pause", type=float, default=2.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--saturation-calls", type=int, default=None)
    args = parser.parse_args(argv)
    token = ChannelSettings.from_env().twilio_auth_token
    Caller(args.url, token, "+16175550000").call(FULL_CALL, 0, Results())  # warm up
    n = args.calls
    run_phase(
        f"{n} calls, {args.pause:g} s pause",
        args.url,
        token,
        n,
        args.pause,
        args.seconds,
        FULL_CALL,
    )
    run_phase(
        f"saturation: {args.saturation_calls or n} calls, no pause",
        args.url,
        token,
        args.saturation_calls or n,
        0.0,
        args.seconds,
        FULL_CALL,
    )
    run_phase(
        f"keypad-only IVR turns: {n} calls, {args.pause:g} s",
        args.url,
        token,
        n,
        args.pause,
        args.seconds,
        KEYPAD_CALL,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
