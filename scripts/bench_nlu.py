"""Benchmark of full dialogue turns through Rasa's REST channel, each turn running a custom action.

    .venv/bin/python scripts/bench_nlu.py                 # starts its own Rasa + action server
    .venv/bin/python scripts/bench_nlu.py --url http://localhost:5005   # an already running one

Prints p50/p95 of sequential turns and turns/s with 10 and 50 concurrent conversations, over short
conversations like real calls (verify, then a few questions). Each turn
("what's my balance" / "when is my bill due" for a verified caller) runs NLU, the policies, one
action-server call and one billing_core read.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from billing_core.secrets import DEVELOPMENT_VALUES  # noqa: E402
from ivr.rasa_client import CHANNEL_PATH, signed_headers  # noqa: E402

APP_PYTHON = ROOT / ".venv" / "bin" / "python"
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
TURNS = ("what's my balance", "when is my bill due")
FAQ_TURNS = ("can i pay by mail", "do you take credit cards")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    sys.exit(f"{url} did not come up in {seconds:.0f} s")


def start_stack(work: Path) -> tuple[str, list[subprocess.Popen]]:
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        sys.exit("no trained model in models/ (make train)")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{work / 'bench.sqlite3'}",
        "BANK_DATA_KEY_FILE": str(work / "bench.key"),
        "PYTHONPATH": str(ROOT),
        "HC_DEVELOPMENT": "1",  # the development secrets, as `make run` uses them
        **DEVELOPMENT_VALUES,
    }
    for package, command in (("database", "migrate"), ("billing_core", "demo")):
        subprocess.run(
            [APP_PYTHON, "-m", package, command],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
    action_port, rasa_port = free_port(), free_port()
    (work / "endpoints.yml").write_text(
        (ROOT / "endpoints.yml")
        .read_text(encoding="utf-8")
        .replace("http://localhost:5055/webhook", f"http://127.0.0.1:{action_port}/webhook"),
        encoding="utf-8",
    )
    log = (work / "stack.log").open("wb")
    procs = [
        subprocess.Popen(
            [APP_PYTHON, "-m", "actions.server", "--port", str(action_port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        ),
        subprocess.Popen(
            [
                RASA,
                "run",
                "--enable-api",
                "--auth-token",
                DEVELOPMENT_VALUES["RASA_API_TOKEN"],
                "--model",
                str(models[-1]),
                "--endpoints",
                str(work / "endpoints.yml"),
                "--credentials",
                str(ROOT / "credentials.yml"),
                "--port",
                str(rasa_port),
                "--interface",
                "127.0.0.1",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        ),
    ]
    print("starting the action server and the Rasa server ...", flush=True)
    started = time.monotonic()
    wait_up(f"http://127.0.0.1:{action_port}/health", 60)
    wait_up(
        f"http://127.0.0.1:{rasa_port}/status?token={DEVELOPMENT_VALUES['RASA_API_TOKEN']}", 300
    )
    print(f"Rasa server up in {time.monotonic() - started:.0f} s", flush=True)
    return f"http://127.0.0.1:{rasa_port}", procs


def send(http: requests.Session, url: str, sender: str, text: str) -> float:
    started = time.perf_counter()
    body = json.dumps(
        {"sender": f"web:{sender}", "message": text, "metadata": {"locale": "en"}}
    ).encode()
    secret = os.environ.get("RASA_CHANNEL_SECRET") or DEVELOPMENT_VALUES["RASA_CHANNEL_SECRET"]
    response = http.post(
        f"{url}{CHANNEL_PATH}", timeout=30, data=body, headers=signed_headers(secret, body)
    )
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    if not response.json():
        raise RuntimeError(f"no answer to {text!r}")
    return elapsed


def verified_conversation(http: requests.Session, url: str, sender: str) -> None:
    send(http, url, sender, "what's my balance")
    send(http, url, sender, '/inform{"account_number":"1000000004"}')
    send(http, url, sender, '/inform{"zip_code":"02740"}')


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def measured_conversation(http: requests.Session, url: str, sender: str, turns: int) -> list[float]:
    """A short conversation like a real call: verify (not timed), then `turns` timed turns."""
    verified_conversation(http, url, sender)
    return [send(http, url, sender, TURNS[i % 2]) for i in range(turns)]


def sequential(url: str, conversations: int, turns: int) -> list[float]:
    http = requests.Session()
    measured_conversation(http, url, f"bench-warmup-{time.time_ns()}", 10)
    samples: list[float] = []
    for i in range(conversations):
        samples += measured_conversation(http, url, f"bench-seq-{i}-{time.time_ns()}", turns)
    return samples


def long_conversation(url: str, turns: int) -> list[float]:
    """One conversation of many turns: Rasa sends the whole tracker to every action call."""
    http = requests.Session()
    return measured_conversation(http, url, f"bench-long-{time.time_ns()}", turns)


def concurrent(
    url: str, conversations: int, turns_each: int, turns: tuple[str, ...] = TURNS
) -> tuple[float, list[float]]:
    """`conversations` callers at once, each verified first, then timed turns in parallel."""
    senders = [f"bench-c{conversations}-{i}-{time.time_ns()}" for i in range(conversations)]
    sessions = [requests.Session() for _ in senders]
    for http, sender in zip(sessions, senders, strict=True):
        verified_conversation(http, url, sender)
    latencies: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(conversations + 1)

    def talk(http: requests.Session, sender: str) -> None:
        barrier.wait()
        mine = [send(http, url, sender, turns[i % len(turns)]) for i in range(turns_each)]
        with lock:
            latencies.extend(mine)

    threads = [
        threading.Thread(target=talk, args=pair) for pair in zip(sessions, senders, strict=True)
    ]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    return len(latencies) / wall, latencies


def ms(value: float) -> str:
    return f"{value * 1000:.0f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", help="a running Rasa server (with its action server)")
    parser.add_argument(
        "--conversations",
        type=int,
        default=30,
        help="sequential conversations of 7 timed turns each",
    )
    parser.add_argument(
        "--long", type=int, default=0, help="also time one conversation of this many turns"
    )
    args = parser.parse_args()
    procs: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url
        if not url:
            url, procs = start_stack(Path(tmp))
        try:
            seq = sequential(url, args.conversations, 7)
            print(
                f"sequential: {len(seq)} turns ({args.conversations} conversations of 7 turns "
                f"after verification), each with an action call: p50 "
                f"{ms(statistics.median(seq))}, p95 {ms(percentile(seq, 95))}, "
                f"max {ms(max(seq))}"
            )
            for n, each in ((10, 10), (50, 6)):
                rate, lat = concurrent(url, n, each)
                print(
                    f"{n} concurrent conversations, {len(lat)} turns: {rate:.1f} turns/s, "
                    f"p50 {ms(statistics.median(lat))}, p95 {ms(percentile(lat, 95))}"
                )
            rate, lat = concurrent(url, 10, 10, FAQ_TURNS)
            print(
                f"10 concurrent conversations, FAQ turns (no action call): {rate:.1f} turns/s, "
                f"p50 {ms(statistics.median(lat))}, p95 {ms(percentile(lat, 95))}"
            )
            if args.long:
                lat = long_conversation(url, args.long)
                print(
                    f"one {args.long}-turn conversation: first 10 turns p50 "
                    f"{ms(statistics.median(lat[:10]))}, last 10 turns p50 "
                    f"{ms(statistics.median(lat[-10:]))}"
                )
        finally:
            for proc in procs:
                os.killpg(proc.pid, signal.SIGTERM)
            for proc in procs:
                proc.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
