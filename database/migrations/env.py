"""Alembic environment: runs migrations against the URL given in the Alembic config."""

from alembic import context

from billing_core.db import make_engine
from billing_core.sql import is_postgresql
from database.schema import all_metadata

config = context.config
target_metadata = all_metadata()


def run_migrations_online() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        sqlite = not is_postgresql(connection)
        if sqlite:
            # Batch migrations rebuild a table (copy, drop, rename); with foreign keys enforced,
            # dropping a table that other rows reference would fail. The pragma only takes effect
            # outside a transaction, so it goes to the driver connection before Alembic begins.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
