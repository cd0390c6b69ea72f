"""Shared fixtures: a migrated database on SQLite and on PostgreSQL, and a billing runtime over it.

PostgreSQL comes from DATABASE_URL_TEST or 127.0.0.1:5432 (trust auth). Each pytest process works in
its own scratch database, created and dropped here. Without a server, Postgres tests skip with a
clear reason, except in CI (CI=true), where a missing server is a failure.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, inspect, text

# The suite runs in development mode (public development secrets), as `make run` does; the tests
# of start-up without secrets clear it in the processes they start.
os.environ.setdefault("HC_DEVELOPMENT", "1")

from billing_core.db import make_engine
from billing_core.runtime import BillingRuntime
from billing_core.settings import Settings
from database import migrate
from tests.rasa_stack import RasaStack, compile_catalogs, require_rasa, start_stack, stop_stack

# The tests run in the one development mode (public development secrets allowed); tests of the
# production refusals start their processes with a clean environment of their own.
os.environ.setdefault("HC_DEVELOPMENT", "1")

PG_ADMIN_URL = os.environ.get(
    "DATABASE_URL_TEST", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() == "true"


def _postgres_or_skip() -> str:
    """Create this process's scratch database once; return its URL."""
    if hasattr(_postgres_or_skip, "url"):
        return _postgres_or_skip.url  # type: ignore[attr-defined]
    name = f"hc_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI but unreachable: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL} ({type(exc).__name__})")
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    migrate(url)
    _postgres_or_skip.url = url  # type: ignore[attr-defined]
    _postgres_or_skip.name = name  # type: ignore[attr-defined]
    return url


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    name = getattr(_postgres_or_skip, "name", None)
    if not name:
        return
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "billing.sqlite3"
    migrate(f"sqlite:///{path}")
    return path


def _truncate_all(url: str) -> None:
    engine = make_engine(url)
    existing = set(inspect(engine).get_table_names()) - {"alembic_version"}
    tables = ", ".join(f'"{name}"' for name in sorted(existing))
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path) -> str:
    """A freshly migrated, empty database on each engine."""
    if request.param == "sqlite":
        path = tmp_path / "billing.sqlite3"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url = _postgres_or_skip()
    _truncate_all(url)
    return url


@pytest.fixture
def postgres_url() -> str:
    url = _postgres_or_skip()
    _truncate_all(url)
    return url


def make_runtime(database_url: str, tmp_path: Path, **overrides: object) -> BillingRuntime:
    key_file = tmp_path / "bank-data.key"
    if not key_file.exists():
        key_file.write_bytes(Fernet.generate_key())
    settings = Settings(database_url=database_url, bank_data_key_path=key_file, **overrides)
    return BillingRuntime.start(settings)


@pytest.fixture
def runtime(database_url: str, tmp_path: Path) -> Iterator[BillingRuntime]:
    rt = make_runtime(database_url, tmp_path)
    yield rt
    rt.engine.dispose()


@pytest.fixture
def now() -> datetime:
    """A fixed instant for service calls: Sunday 29 November 2026, noon Eastern."""
    return datetime(2026, 11, 29, 17, 0, tzinfo=UTC)


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs() -> None:
    compile_catalogs()


@pytest.fixture(scope="session")
def rasa_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RasaStack]:
    """One real Rasa server + action server for the whole session (voice, chat, SMS, Rasa tests)."""
    stack = start_stack(tmp_path_factory.mktemp("rasa-stack"), require_rasa())
    yield stack
    stop_stack(stack)
