"""Two of everything over one Postgres and one Redis: calls keep their conversation across instances."""

from __future__ import annotations

import io
import logging
from decimal import Decimal

import pytest
import requests
from sqlalchemy import select

from billing_core import balances
from billing_core.billing_calendar import utcnow
from billing_core.models import Account, Payment
from ivr.masked_logs import JsonFormatter
from tests.production.conftest import TOKEN
from tests.production.helpers import RoundRobinCaller, ops_get

pytestmark = [pytest.mark.rasa, pytest.mark.postgres, pytest.mark.slow]

ROUTING = "021000021"
CANARY_ACCOUNT = "73915064283"  # a bank account number that must appear nowhere in plain text


def caller(clients, phone: str) -> RoundRobinCaller:
    return RoundRobinCaller(client=clients[0], token=TOKEN, phone=phone, clients=clients)


def voice_payments(billing, account_number: str) -> list[Payment]:
    with billing.uow() as uow:
        account = uow.session.scalars(
            select(Account).where(Account.account_number == account_number)
        ).one()
        return list(
            uow.session.scalars(
                select(Payment).where(Payment.account_id == account.id, Payment.channel == "voice")
            )
        )


def test_a_call_alternating_between_instances_keeps_its_conversation(clients, multi_stack):
    c = caller(clients, "+16175550401")
    c.dial_in()
    c.press("1")
    c.press("1")
    assert "account number" in c.heard
    c.press("1000000001")
    c.press("02108")
    assert "Maria Silva" in c.heard and "Your balance is" in c.heard
    assert set(c.served_by) == {0, 1}
    # Both Rasa servers wrote to the one tracker store: the conversation is whole there.
    assert multi_stack.user_events(c.sid) >= 3
    c.hang_up()


def _dump_billing_text(multi_stack) -> str:
    """Every text and bytes column of every table of the billing database, as text."""
    pg = multi_stack.postgres
    columns = pg.psql(
        "billing",
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'public' AND data_type IN "
        "('text', 'character varying', 'bytea', 'json', 'jsonb', 'character')",
    ).splitlines()
    out = []
    for line in columns:
        table, column, data_type = line.split("|")
        # bytea: its bytes as text (escape), so a plain-text number inside would show.
        value = f"encode(\"{column}\", 'escape')" if data_type == "bytea" else f'"{column}"::text'
        out.append(pg.psql("billing", f'SELECT {value} FROM "{table}"'))
    assert len(out) > 10
    return "\n".join(out)


def test_pay_by_phone_across_instances_pays_once_and_the_canary_stays_secret(
    clients, billing, multi_stack, caplog
):
    caplog.set_level(logging.DEBUG)
    json_lines = io.StringIO()
    handler = logging.StreamHandler(json_lines)
    handler.setFormatter(JsonFormatter())
    logging.getLogger().addHandler(handler)
    try:
        with billing.uow() as uow:
            before = balances.get_balance(uow, "1000000001", now=utcnow()).amount_due
        c = caller(clients, "+16175550402")
        c.dial_in()
        c.press("1")
        c.press("3")
        c.press("1000000001")
        c.press("02108")
        assert "amount" in c.heard
        c.press("25*00")
        c.press("1")  # checking
        c.press(ROUTING)
        c.press(CANARY_ACCOUNT)
        c.press(CANARY_ACCOUNT)
        assert "4 2 8 3" in c.heard and "authorize" in c.heard
        consent_action = c.action
        c.press("1")
        assert "confirmation number" in c.heard
        confirmation = c.heard
        # Twilio retries the consent webhook; the load balancer sends it to the other instance.
        c.repeat_last_request("1", consent_action)
        assert c.heard == confirmation
        c.hang_up()
    finally:
        logging.getLogger().removeHandler(handler)

    paid = voice_payments(billing, "1000000001")
    assert [p.amount for p in paid] == [Decimal("25.00")]
    with billing.uow() as uow:
        after = balances.get_balance(uow, "1000000001", now=utcnow()).amount_due
    assert after == before - Decimal("25.00")

    tracker = multi_stack.tracker_dump()
    assert "bank_last4" in tracker  # the tracker table is really what we searched
    stores = {
        "Rasa tracker store (Postgres)": tracker,
        "Rasa and action server logs": multi_stack.log_text(),
        "app log records": caplog.text,
        "app JSON log lines": json_lines.getvalue(),
        "billing database text columns": _dump_billing_text(multi_stack),
    }
    for where, content in stores.items():
        assert CANARY_ACCOUNT not in content, f"the bank account number is in the {where}"
    assert c.sid in json_lines.getvalue()  # JSON lines carry the call id


def test_every_service_reports_health_and_the_app_exports_metrics(clients, multi_stack):
    for client in clients:
        assert client.get("/health").json == {"status": "ok"}
        ready = ops_get(client, "/ready")
        assert ready.status_code == 200 and ready.json["database"] == "up"
        metrics = ops_get(client, "/metrics").get_data(as_text=True)
        assert "ivr_turn_seconds_bucket" in metrics
        assert 'ivr_rasa_seconds_count{channel="voice"}' in metrics
    for inst in multi_stack.instances:
        assert requests.get(f"{inst.action_url}/health", timeout=5).json()["status"] == "ok"
        status = requests.get(
            f"{inst.rasa_url}/status",
            params={"token": multi_stack.secrets["RASA_API_TOKEN"]},
            timeout=5,
        ).json()
        assert status["model_file"]
