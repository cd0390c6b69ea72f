"""Voice load test against the scaled-out shape: 1 then 2 Rasa instances on Postgres + Redis.

    python scripts/bench_voice_multi.py [--rasa 1,2] [--calls 50] [--seconds 20] [--web 2]

For each Rasa count it starts the stack of tests/production/stack.py (a private PostgreSQL and
Redis, the SQL tracker store and RedisLockStore of deploy/endpoints.production.yml, one action
server per Rasa server, demo data), `--web` gunicorn processes (1 worker x 8 threads each; web
process i talks to Rasa i mod N), and runs scripts/bench_voice.py's phases with every caller's
turns round-robin over the web processes. Everything on this one machine.

After each phase it prints the CPU time each tier spent per webhook turn (user + system, from
/proc/<pid>/stat of every process of the tier, before and after the phase): a measure that holds
when other work shares the machine, where latencies do not.
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

import bench_voice  # noqa: E402

from tests.production.stack import start_multi, stop_multi, wait_for  # noqa: E402
from tests.rasa_stack import free_port, latest_model  # noqa: E402

TOKEN = "bench-token"
TIERS = ("rasa", "actions", "web", "postgres", "redis", "load generator")


def cpu_seconds(sessions: dict[int, str], postmaster: int) -> dict[str, float]:
    """CPU seconds so far of each tier: processes by session (each server was started in its own
    session), PostgreSQL by parent, this process (the simulated callers) by getrusage. Processes
    that ended (a recycled gunicorn worker, a closed Postgres connection) count in their parent's
    children time."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = dict.fromkeys(TIERS, 0.0)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue  # exited meanwhile
        fields = stat[stat.rindex(")") + 2 :].split()
        parent, session = int(fields[1]), int(fields[3])
        tier = sessions.get(session)
        if tier is None and postmaster in (int(entry), parent):
            tier = "postgres"
        if tier is not None:
            own_and_ended_children = fields[11:15]  # utime, stime, cutime, cstime
            used[tier] += sum(map(int, own_and_ended_children)) / ticks
    own = resource.getrusage(resource.RUSAGE_SELF)
    used["load generator"] = own.ru_utime + own.ru_stime
    return used


def phase_with_cpu(stack, webs: list[subprocess.Popen], *args) -> None:  # type: ignore[no-untyped-def]
    """bench_voice.run_phase, then the CPU milliseconds each tier spent per turn."""
    sessions = {stack.redis.proc.pid: "redis"}
    for inst in stack.instances:
        sessions[inst.rasa.pid] = "rasa"
        sessions[inst.actions.pid] = "actions"
    sessions.update({proc.pid: "web" for proc in webs})
    postmaster = int((stack.postgres.datadir / "postmaster.pid").read_text().split()[0])
    before = cpu_seconds(sessions, postmaster)
    results = bench_voice.run_phase(*args)
    after = cpu_seconds(sessions, postmaster)
    turns = max(len(results.latencies), 1)
    per_turn = {tier: (after[tier] - before[tier]) * 1000 / turns for tier in TIERS}
    print(
        "   CPU ms per turn: "
        + "  ".join(f"{tier} {ms:.2f}" for tier, ms in per_turn.items())
        + f"  total {sum(per_turn.values()):.2f}",
        flush=True,
    )


def start_web(stack, rasa_url: str, log: Path) -> tuple[subprocess.Popen, str]:  # type: ignore[no-untyped-def]
    port = free_port()
    env = {
        **stack.env(),
        "RASA_URL": rasa_url,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "LOG_LEVEL": "WARNING",
        "CHAT_SECRET_KEY": "bench",
    }
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [
                str(REPO / ".venv" / "bin" / "gunicorn"),
                "-c",
                str(REPO / "deploy" / "gunicorn.conf.py"),
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "ivr.app:create_app()",
            ],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    wait_for(f"{url}/health", proc, 30, log)
    return proc, url


def run(rasa_count: int, web: int, calls: int, seconds: float, pause: float) -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-multi-"))
    print(f"\n== {rasa_count} Rasa server(s), {rasa_count} action server(s), {web} web processes")
    started = time.monotonic()
    stack = start_multi(work, latest_model(), instances=rasa_count, debug=False)
    print(f"   stack up in {time.monotonic() - started:.0f} s", flush=True)
    webs: list[subprocess.Popen] = []
    try:
        urls = []
        for i in range(web):
            proc, url = start_web(
                stack, stack.instances[i % rasa_count].rasa_url, work / f"web{i}.log"
            )
            webs.append(proc)
            urls.append(url)
        base = ",".join(urls)
        bench_voice.Caller(base, TOKEN, "+16175550000").call(
            bench_voice.FULL_CALL, 0, bench_voice.Results()
        )
        phase_with_cpu(
            stack,
            webs,
            f"{calls} calls, {pause:g} s pause",
            base,
            TOKEN,
            calls,
            pause,
            seconds,
            bench_voice.FULL_CALL,
        )
        phase_with_cpu(
            stack,
            webs,
            f"saturation: {calls} calls, no pause",
            base,
            TOKEN,
            calls,
            0.0,
            seconds,
            bench_voice.FULL_CALL,
        )
        phase_with_cpu(
            stack,
            webs,
            f"keypad-only IVR turns: {calls} calls",
            base,
            TOKEN,
            calls,
            pause,
            seconds,
            bench_voice.KEYPAD_CALL,
        )
    finally:
        for proc in webs:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
        stop_multi(stack)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rasa", default="1,2", help="Rasa instance counts to measure")
    parser.add_argument("--web", type=int, default=2)
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--pause", type=float, default=2.0)
    args = parser.parse_args(argv)
    for count in (int(n) for n in args.rasa.split(",")):
        run(count, args.web, args.calls, args.seconds, args.pause)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
