"""Bank accounts a payment connector tokenized: stored as a token, validated, migrated in place."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import text

from billing_core import errors
from billing_core.db import make_engine
from billing_core.demo import load_demo_data
from billing_core.models import BankMethod
from billing_core.payment_methods import add_tokenized_bank_method, list_bank_methods
from database import alembic_config, migrate

NOW = datetime(2026, 12, 1, 15, tzinfo=UTC)
MARIA = "1000000001"


def _add(rt, **overrides):
    args = dict(
        token="btok_1", connector="Default", kind="savings", last4="4321", channel="voice", now=NOW
    )
    args.update(overrides)
    with rt.uow() as uow:
        return add_tokenized_bank_method(uow, MARIA, **args)


@pytest.fixture
def demo(runtime):
    with runtime.uow() as uow:
        load_demo_data(uow, now=NOW)
    return runtime


def test_a_tokenized_account_is_listed_like_any_other_with_kind_and_last4(demo):
    ref = _add(demo, routing_number="021000021")
    assert (ref.kind, ref.last4) == ("savings", "4321")
    with demo.uow() as uow:
        assert list_bank_methods(uow, MARIA)[0] == ref
        method = uow.session.query(BankMethod).filter_by(reference=ref.reference).one()
        assert method.tokenized and method.account_number_encrypted is None
        assert uow.cipher.decrypt(method.processor_token_encrypted) == "btok_1"
        assert (method.connector, method.routing_number) == ("Default", "021000021")


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"last4": "12"}, errors.InvalidBankAccountNumber),
        ({"last4": "xx12"}, errors.InvalidBankAccountNumber),
        ({"token": " "}, errors.PaymentMethodNotFound),
        ({"token": "t" * 501}, errors.PaymentMethodNotFound),
        ({"routing_number": "123456789"}, errors.InvalidRoutingNumber),
        ({"kind": "card"}, errors.BillingError),
    ],
)
def test_incomplete_connector_results_are_refused(demo, overrides, error):
    with pytest.raises(error):
        _add(demo, **overrides)


def test_a_database_with_bank_accounts_and_payments_migrates_in_place(tmp_path):
    """SQLite rebuilds bank_methods for the new nullable columns; rows and references survive."""
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    cfg = alembic_config(url)
    command.upgrade(cfg, "0002_voice")
    command.upgrade(cfg, "0005_sms_notices")  # every head before tokenized methods
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO accounts (id, account_number, kind, name, zip_code, language,"
                " paperless, timezone, created_at) VALUES (1, '1000000001', 'household', 'M',"
                " '02108', 'en', 0, 'America/New_York', :t)"
            ),
            {"t": NOW},
        )
        conn.execute(
            text(
                "INSERT INTO bank_methods (id, reference, account_id, kind, routing_number,"
                " account_number_encrypted, last4, created_at)"
                " VALUES (7, 'bm_old', 1, 'checking', '021000021', :enc, '1234', :t)"
            ),
            {"enc": b"ciphertext", "t": NOW},
        )
        conn.execute(
            text(
                "INSERT INTO payments (id, confirmation_number, idempotency_key, account_id,"
                " amount, fee, method, channel, status, bank_method_id, effective_date,"
                " created_at) VALUES (1, 'HC1', 'k1', 1, 1000, 0, 'eft', 'voice', 'pending', 7,"
                " '2026-12-01', :t)"
            ),
            {"t": NOW},
        )
    engine.dispose()
    migrate(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT reference, last4, processor_token_encrypted FROM bank_methods")
        ).one()
        assert tuple(row) == ("bm_old", "1234", None)
        assert conn.execute(text("SELECT bank_method_id FROM payments")).scalar() == 7
        assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
        with pytest.raises(Exception, match="CHECK constraint"):
            conn.execute(
                text(
                    "INSERT INTO bank_methods (reference, account_id, kind, last4, created_at)"
                    " VALUES ('bm_neither', 1, 'checking', '0000', :t)"
                ),
                {"t": NOW},
            )
    engine.dispose()
