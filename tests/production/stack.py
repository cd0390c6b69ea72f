"""The scaled-out shape on one machine: private PostgreSQL and Redis, N Rasa servers, N action servers.

The drills stop PostgreSQL and Redis, so the stack runs its own throwaway PostgreSQL cluster
(initdb in a temporary directory) and its own redis-server on free ports rather than the shared
servers other test runs use. Rasa uses deploy/endpoints.production.yml as shipped (SQL tracker
store + RedisLockStore), with the environment variables it reads set per instance.
Every process runs outside development mode, as in production: the stack makes a random value for
each secret (MultiStack.secrets) and gives the same ones to every process it starts.
Used by tests/production/conftest.py and scripts/bench_voice_multi.py.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
from cryptography.fernet import Fernet

from billing_core.environment import DEVELOPMENT_VAR
from billing_core.secrets import DEVELOPMENT_VALUES
from tests.rasa_stack import APP_PYTHON, RASA_BIN, REPO, free_port

PG_USER = "postgres"
TWILIO_ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
TWILIO_FROM_NUMBER = "+18776236765"


def random_secrets() -> dict[str, str]:
    """A fresh random value for every secret the processes need (none is a development value)."""
    return {name: secrets.token_urlsafe(32) for name in DEVELOPMENT_VALUES}


class StackError(RuntimeError):
    """A component of the stack could not start."""


def pg_bindir() -> Path | None:
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists():
            return candidate
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _as_postgres(cmd: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; CI and this machine run tests as root.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@dataclass
class PrivatePostgres:
    bindir: Path
    datadir: Path
    port: int

    @classmethod
    def create(cls) -> PrivatePostgres:
        bindir = pg_bindir()
        if bindir is None:
            raise StackError("PostgreSQL server binaries (initdb) not found")
        datadir = Path(tempfile.mkdtemp(prefix="hc-pg-"))
        if os.geteuid() == 0:
            shutil.chown(datadir, "postgres", "postgres")
        subprocess.run(
            _as_postgres(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(datadir),
                    "-U",
                    PG_USER,
                    "-A",
                    "trust",
                    "--no-sync",
                    "-E",
                    "UTF8",
                ]
            ),
            check=True,
            capture_output=True,
        )
        pg = cls(bindir, datadir, free_port())
        pg.start()
        return pg

    @property
    def log(self) -> Path:
        return self.datadir / "server.log"

    def url(self, db: str, driver: str = "psycopg") -> str:
        return f"postgresql+{driver}://{PG_USER}@127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.datadir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c max_connections=200"
        )
        subprocess.run(
            _as_postgres(
                [
                    str(self.bindir / "pg_ctl"),
                    "-D",
                    str(self.datadir),
                    "-o",
                    options,
                    "-l",
                    str(self.log),
                    "-w",
                    "-t",
                    "30",
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
        )

    def stop(self) -> None:
        subprocess.run(
            _as_postgres(
                [str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "fast", "-w", "stop"]
            ),
            check=False,
            capture_output=True,
        )

    def is_running(self) -> bool:
        result = subprocess.run(
            _as_postgres([str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "status"]),
            capture_output=True,
        )
        return result.returncode == 0

    def psql(self, db: str, sql: str) -> str:
        result = subprocess.run(
            _as_postgres(
                [
                    str(self.bindir / "psql"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(self.port),
                    "-U",
                    PG_USER,
                    "-d",
                    db,
                    "-At",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "-c",
                    sql,
                ]
            ),
            check=True,
            capture_output=True,
            text=True,
        )
        return result.stdout

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.datadir, ignore_errors=True)


@dataclass
class PrivateRedis:
    port: int
    workdir: Path
    proc: subprocess.Popen | None = None

    @classmethod
    def create(cls) -> PrivateRedis:
        if shutil.which("redis-server") is None:
            raise StackError("redis-server not found")
        redis = cls(free_port(), Path(tempfile.mkdtemp(prefix="hc-redis-")))
        redis.start()
        return redis

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.ping():
                return
            time.sleep(0.05)
        raise StackError("redis-server did not start")

    def ping(self) -> bool:
        import socket

        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


@dataclass
class Instance:
    """One Rasa server and the action server it calls."""

    index: int
    rasa_port: int
    action_port: int
    rasa_log: Path
    action_log: Path
    rasa: subprocess.Popen | None = None
    actions: subprocess.Popen | None = None

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        return f"http://127.0.0.1:{self.action_port}"

    def rasa_alive(self) -> bool:
        return self.rasa is not None and self.rasa.poll() is None


@dataclass
class MultiStack:
    work: Path
    postgres: PrivatePostgres
    redis: PrivateRedis
    billing_url: str
    tracker_db: str
    key_file: Path
    instances: list[Instance] = field(default_factory=list)
    secrets: dict[str, str] = field(default_factory=random_secrets)
    # Twilio's REST API: nothing listens here unless a test starts its mock (tests/twilio_mock.py),
    # so a text sent by mistake fails instead of leaving the machine.
    twilio_api_url: str = field(default_factory=lambda: f"http://127.0.0.1:{free_port()}")

    def log_text(self) -> str:
        logs = [p for i in self.instances for p in (i.rasa_log, i.action_log)]
        return "\n".join(p.read_text(errors="replace") for p in logs if p.exists())

    def env(self) -> dict[str, str]:
        """The environment of every process of the stack: production mode, the stack's secrets."""
        inherited = {k: v for k, v in os.environ.items() if k != DEVELOPMENT_VAR}
        return {
            **inherited,
            **self.secrets,
            "DATABASE_URL": self.billing_url,
            "BANK_DATA_KEY_FILE": str(self.key_file),
            "TWILIO_ACCOUNT_SID": TWILIO_ACCOUNT_SID,
            "TWILIO_FROM_NUMBER": TWILIO_FROM_NUMBER,
            "TWILIO_API_BASE_URL": self.twilio_api_url,
            "PYTHONPATH": str(REPO),
        }

    def tracker_dump(self) -> str:
        """Every stored Rasa event, as text (the SQL tracker store's table)."""
        return self.postgres.psql(self.tracker_db, "SELECT data FROM events ORDER BY id")

    def user_events(self, call_sid: str) -> int:
        sender = f"voice:{call_sid}"
        out = self.postgres.psql(
            self.tracker_db,
            f"SELECT count(*) FROM events WHERE sender_id = '{sender}' AND type_name = 'user'",
        )
        return int(out.strip())


def _rasa_env(stack: MultiStack, inst: Instance) -> dict[str, str]:
    return {
        **stack.env(),
        "ACTION_SERVER_URL": f"{inst.action_url}/webhook",
        "DB_HOST": "127.0.0.1",
        "DB_PORT": str(stack.postgres.port),
        "DB_USER": PG_USER,
        "DB_PASSWORD": "",
        "DB_LOGIN_DB": "postgres",
        "RASA_TRACKER_DB": stack.tracker_db,
        "REDIS_HOST": "127.0.0.1",
        "REDIS_PORT": str(stack.redis.port),
        "REDIS_DB": "1",
        "REDIS_PASSWORD": "",
        "LOCK_KEY_PREFIX": "hctest",
        "SANIC_WORKERS": "1",
    }


def start_action_server(stack: MultiStack, inst: Instance) -> None:
    with inst.action_log.open("ab") as out:
        inst.actions = subprocess.Popen(
            [str(APP_PYTHON), "-m", "actions.server", "--port", str(inst.action_port)],
            cwd=REPO,
            env=stack.env(),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def start_rasa(stack: MultiStack, inst: Instance, model: Path, debug: bool = True) -> None:
    with inst.rasa_log.open("ab") as out:
        inst.rasa = subprocess.Popen(
            [
                str(RASA_BIN),
                "run",
                "--enable-api",
                "--auth-token",
                stack.secrets["RASA_API_TOKEN"],
                "--model",
                str(model),
                "--endpoints",
                str(REPO / "deploy" / "endpoints.production.yml"),
                "--credentials",
                str(REPO / "credentials.yml"),
                "--port",
                str(inst.rasa_port),
                "--interface",
                "127.0.0.1",
                "--debug" if debug else "--quiet",  # tests search the debug log for secrets
            ],
            cwd=REPO,
            env=_rasa_env(stack, inst),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_for(url: str, proc: subprocess.Popen, seconds: float, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise StackError(f"{url} exited early:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise StackError(f"{url} did not come up in {seconds:.0f} s:\n{log.read_text()[-3000:]}")


def start_multi(work: Path, model: Path, instances: int = 2, debug: bool = True) -> MultiStack:
    """Postgres + Redis + `instances` x (action server, Rasa server), Rasa servers in parallel."""
    postgres = PrivatePostgres.create()
    redis = None
    try:
        redis = PrivateRedis.create()
        postgres.psql("postgres", "CREATE DATABASE billing")
        postgres.psql("postgres", "CREATE DATABASE rasa_tracker")
        key_file = work / "bank-data.key"
        key_file.write_bytes(Fernet.generate_key())
        stack = MultiStack(
            work=work,
            postgres=postgres,
            redis=redis,
            billing_url=postgres.url("billing"),
            tracker_db="rasa_tracker",
            key_file=key_file,
        )
        for package, command in (("database", "migrate"), ("billing_core", "demo")):
            subprocess.run(
                [str(APP_PYTHON), "-m", package, command],
                cwd=REPO,
                env=stack.env(),
                check=True,
                capture_output=True,
            )
        for n in range(instances):
            stack.instances.append(
                Instance(
                    n,
                    free_port(),
                    free_port(),
                    work / f"rasa{n}.log",
                    work / f"actions{n}.log",
                )
            )
    except BaseException:
        if redis:
            redis.destroy()
        postgres.destroy()
        raise
    try:
        # The first Rasa creates the tracker table; start the rest a moment later so two
        # CREATE TABLEs do not race, but still mostly in parallel.
        for inst in stack.instances:
            start_action_server(stack, inst)
            start_rasa(stack, inst, model, debug)
            time.sleep(3)
        errors: list[BaseException] = []

        def wait(inst: Instance) -> None:
            try:
                wait_for(f"{inst.action_url}/health", inst.actions, 60, inst.action_log)
                wait_for(
                    f"{inst.rasa_url}/status?token={stack.secrets['RASA_API_TOKEN']}",
                    inst.rasa,
                    240,
                    inst.rasa_log,
                )
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=wait, args=(i,)) for i in stack.instances]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise errors[0]
    except BaseException:
        stop_multi(stack)
        raise
    return stack


def _stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGCONT)  # a drill may have paused it
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    except ProcessLookupError:
        pass


def stop_multi(stack: MultiStack) -> None:
    try:
        for inst in stack.instances:
            _stop(inst.rasa)
            _stop(inst.actions)
    finally:
        stack.redis.destroy()
        stack.postgres.destroy()
