"""Migrations build the whole schema on an empty database; demo data tells its documented stories."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from billing_core.autopay import autopay_status
from billing_core.db import make_engine
from billing_core.delinquency import delinquency_state
from billing_core.demo import DEMO_MEMBERS, load_demo_data
from database import migrate
from database.schema import all_metadata


def test_migrations_apply_to_an_empty_database_and_match_the_models(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    migrate(url)
    migrate(url)  # a second run is a no-op
    engine = make_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), all_metadata())
    engine.dispose()
    assert diff == []


def test_migrations_match_the_models_on_postgres(postgres_url):
    engine = make_engine(postgres_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), all_metadata())
    engine.dispose()
    assert diff == []


def test_demo_data_loads_once_and_each_member_is_in_the_documented_state(runtime, now):
    with runtime.uow() as uow:
        assert len(load_demo_data(uow, now=now)) == len(DEMO_MEMBERS)
    with runtime.uow() as uow:
        assert load_demo_data(uow, now=now) == []
        states = {
            m.account_number: delinquency_state(uow, m.account_number, on=now).state
            for m in DEMO_MEMBERS
        }
        assert autopay_status(uow, "1000000004", now=now).status == "active"
    assert states == {
        "1000000001": "current",
        "1000000002": "current",
        "1000000003": "grace",
        "1000000004": "current",
        "2000000001": "current",
    }
