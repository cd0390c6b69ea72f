"""Operator command line: `python -m database migrate` creates or upgrades the schema."""

from __future__ import annotations

import argparse

from billing_core.settings import Settings
from database.migrate import migrate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m database", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="create or upgrade the schema (Alembic migrations)")
    parser.parse_args(argv)
    migrate(Settings.from_env().database_url)
    print("schema is up to date")
    return 0
