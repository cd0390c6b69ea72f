"""Runtime settings of the billing core, read from the environment when a process starts."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from billing_core.environment import development_mode, env_flag

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = REPO_ROOT / "var" / "billing.sqlite3"
DEFAULT_KEY_PATH = REPO_ROOT / "var" / "bank-data.key"

# The Health Connector's customer service line: what members are told to call, and (E.164) where
# the phone line transfers a caller to an agent unless AGENT_NUMBER says otherwise.
CUSTOMER_SERVICE_PHONE = "1-877-623-6765"
CUSTOMER_SERVICE_E164 = "+" + re.sub(r"\D", "", CUSTOMER_SERVICE_PHONE)


@dataclass(frozen=True)
class Settings:
    database_url: str
    bank_data_key_path: Path | None  # None: not configured (refused when bank data is touched)
    card_payments_enabled: bool = False
    card_convenience_fee: Decimal = Decimal("2.95")
    max_payment_amount: Decimal = Decimal("50000.00")
    db_pool_size: int = 10  # per process, plus as many overflow connections (Postgres only)
    # Within a coverage month, which line a partial payment pays first (billing_core.coverage_ledger).
    payment_line_order: tuple[str, ...] = ("health", "dental")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        return cls(
            database_url=env.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_PATH}",
            bank_data_key_path=_key_path(env),
            card_payments_enabled=env_flag("CARD_PAYMENTS_ENABLED", False, env),
            card_convenience_fee=Decimal(env.get("CARD_CONVENIENCE_FEE") or "2.95"),
            max_payment_amount=Decimal(env.get("MAX_PAYMENT_AMOUNT") or "50000.00"),
            db_pool_size=int(env.get("DB_POOL_SIZE") or 10),
            payment_line_order=tuple(
                name.strip()
                for name in (env.get("PAYMENT_LINE_ORDER") or "health,dental").split(",")
                if name.strip()
            ),
        )


def _key_path(env: dict[str, str]) -> Path | None:
    """The key file in BANK_DATA_KEY_FILE; var/bank-data.key is a default in development mode only
    (a production process must be told where its key is, never pick up a developer's)."""
    if env.get("BANK_DATA_KEY_FILE"):
        return Path(env["BANK_DATA_KEY_FILE"])
    return DEFAULT_KEY_PATH if development_mode(env) else None
