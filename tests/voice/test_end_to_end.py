"""Whole calls through the Flask app, the real Rasa server, the real action server and the database."""

from __future__ import annotations

import json
import logging
import signal
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import select

from billing_core import accounts, balances, errors
from billing_core.billing_calendar import utcnow
from billing_core.models import Account, Payment
from tests.rasa_stack import LOCKOUT_ACCOUNTS, LOCKOUT_ZIP
from tests.voice.conftest import AFTER_HOURS, OPEN_HOURS

pytestmark = [pytest.mark.rasa, pytest.mark.slow]

ROUTING = "021000021"
BANK_ACCOUNT = "000987654321"


def verified(caller, account: str, zip_code: str, intent_key: str, *, spanish: bool = False):
    caller.dial_in()
    caller.press("2" if spanish else "1")
    caller.press(intent_key)
    caller.press(account)
    return caller.press(zip_code)


def test_a_caller_hears_the_balance(e2e_caller):
    e2e_caller.phone = "+16175550301"
    verified(e2e_caller, "1000000001", "02108", "1")
    assert "Maria Silva" in e2e_caller.heard
    assert "dollars" in e2e_caller.heard
    assert e2e_caller.last.find("Gather") is not None


def test_a_caller_hears_the_due_date(e2e_caller):
    c = e2e_caller
    c.phone = "+16175550302"
    c.dial_in()
    c.press("1")
    c.press("2")
    if "account number" in c.heard:  # the dialogue may verify first for an account-specific date
        c.press("1000000004")
        c.press("02740")
    assert "5 PM Eastern" in c.heard


def test_a_spanish_call_is_answered_in_spanish(e2e_caller):
    e2e_caller.phone = "+16175550303"
    root = verified(e2e_caller, "1000000002", "01840", "1", spanish=True)
    assert "Su saldo" in e2e_caller.heard and "dólares" in e2e_caller.heard
    assert root.find("Gather").get("language") == "es-US"


def test_pay_by_phone_posts_once_and_the_bank_number_never_reaches_rasa_or_logs(
    e2e_app, e2e_caller, rasa_stack, caplog
):
    caplog.set_level(logging.DEBUG)
    runtime = e2e_app.extensions["billing"]
    with runtime.uow() as uow:  # the session's database is shared: look only at what this call adds
        before = balances.get_balance(uow, "1000000001", now=utcnow()).amount_due
        earlier = set(uow.session.scalars(select(Payment.id)))
    c = e2e_caller
    c.phone = "+16175550304"
    verified(c, "1000000001", "02108", "3")
    assert "amount" in c.heard
    root = c.press("50*00")
    if "ending in" in c.heard:  # an earlier test left a bank account on file: choose a new one
        root = c.press("2")
    assert root.find("Gather").get("input") == "dtmf"  # checking or savings, keypad only
    c.press("1")
    root = c.press("123456789")  # a typo: fails the routing checksum
    assert "not valid" in c.heard and root.find("Gather").get("numDigits") == "9"
    c.press(ROUTING)
    c.press(BANK_ACCOUNT)
    c.press(BANK_ACCOUNT)
    assert "4 3 2 1" in c.heard and "authorize" in c.heard
    consent_action = c.action
    c.press("1")
    assert "confirmation number" in c.heard
    confirmation = c.heard
    # Twilio delivers the consent webhook a second time: the same answer, no second payment.
    c.repeat_last_request("1", consent_action)
    assert c.heard == confirmation

    with runtime.uow() as uow:
        account = uow.session.scalars(
            select(Account).where(Account.account_number == "1000000001")
        ).one()
        paid = uow.session.scalars(
            select(Payment).where(Payment.account_id == account.id, Payment.id.not_in(earlier))
        ).all()
        after = balances.get_balance(uow, "1000000001", now=utcnow()).amount_due
    assert [p.amount for p in paid] == [Decimal("50.00")]
    assert paid[0].sec_code == "TEL"
    assert after == before - Decimal("50.00")

    tracker = rasa_stack.tracker(f"voice:{c.sid}")
    assert "bm_" in tracker and '"bank_last4"' in tracker
    for secret in (BANK_ACCOUNT, ROUTING):
        assert secret not in tracker
        assert secret not in rasa_stack.log_text()
        assert secret not in caplog.text
    c.hang_up()


def test_a_repeated_webhook_does_not_advance_the_conversation(e2e_caller, rasa_stack):
    c = e2e_caller
    c.phone = "+16175550305"
    c.dial_in()
    c.press("1")
    action = c.action
    c.press("2")
    users = json.loads(rasa_stack.tracker(f"voice:{c.sid}"))["events"]
    c.repeat_last_request("2", action)
    again = json.loads(rasa_stack.tracker(f"voice:{c.sid}"))["events"]
    assert [e for e in again if e["event"] == "user"] == [e for e in users if e["event"] == "user"]


def test_three_wrong_zip_codes_lock_verification(e2e_app, e2e_caller):
    c = e2e_caller
    c.phone = "+16175550306"
    c.dial_in()
    c.press("1")
    c.press("1")
    account = LOCKOUT_ACCOUNTS["voice"]  # its own account: the lock outlives this test
    for _ in range(3):
        c.press(account)
        c.press("11111")
    assert "15 minutes" in c.heard or "locked" in c.heard
    with e2e_app.extensions["billing"].uow() as uow, pytest.raises(errors.VerificationLocked):
        accounts.verify_caller(uow, account, zip_code=LOCKOUT_ZIP, now=utcnow())


def test_agent_transfer_in_business_hours(e2e_caller):
    e2e_caller.phone = "+16175550307"
    with time_machine.travel(OPEN_HOURS, tick=True):
        e2e_caller.dial_in()
        e2e_caller.press("1")
        root = e2e_caller.press("0")
    assert root.find("Dial/Number").text == "+18776236765"  # <Number> carries the whisper


def test_after_hours_the_agent_line_is_closed_and_the_menu_comes_back(e2e_caller):
    e2e_caller.phone = "+16175550308"
    with time_machine.travel(AFTER_HOURS, tick=True):
        e2e_caller.dial_in()
        e2e_caller.press("1")
        root = e2e_caller.press("0")
    assert root.find("Dial") is None
    assert "Monday through Friday" in e2e_caller.heard
    assert root.find("Gather") is not None


def test_rasa_stopped_mid_call_gives_the_outage_menu(e2e_caller, rasa_stack):
    c = e2e_caller
    c.phone = "+16175550309"
    c.dial_in()
    c.press("1")
    c.press("1")
    assert "account number" in c.heard
    rasa_stack.rasa.send_signal(signal.SIGSTOP)
    try:
        root = c.press("1000000001")
    finally:
        rasa_stack.rasa.send_signal(signal.SIGCONT)
    assert "not available" in c.heard
    assert root.find("Gather").get("input") == "dtmf"
    c.press("1")
    c.press("1000000001")
    c.press("02108")
    assert "Your balance is" in c.heard
