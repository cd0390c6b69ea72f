"""Pay by phone with a Twilio Pay connector: <Pay> tokenizes the bank account, we keep the token."""

from __future__ import annotations

import json
import logging

import pytest
from lxml import etree
from sqlalchemy import select

from billing_core.models import BankMethod
from ivr.voice.models import VoiceCall
from tests.app_settings import use_channels
from tests.fake_rasa import bot
from tests.voice.test_bank_and_outage import pay_script

TOKEN = "btok_live_5f4e3d2c1b"


@pytest.fixture
def connector_caller(app, caller, fake_rasa):
    use_channels(app, pay_connector="Default")
    fake_rasa.script = pay_script
    with app.extensions["billing"].uow() as uow:  # the demo members' own accounts
        app.config["DEMO_BANK_METHODS"] = set(uow.session.scalars(select(BankMethod.id)))
    return caller


def _to_pay(caller, *, spanish: bool = False, kind_key: str = "1"):
    caller.dial_in()
    caller.press("2" if spanish else "1")
    caller.press("3")  # pay: Rasa (fake here) asks the IVR for a new bank account
    return caller.press(kind_key)


def _pay_result(caller, **form):
    return caller._answer(caller.action, form)


def _methods(app):
    """Bank accounts stored during the test."""
    with app.extensions["billing"].uow() as uow:
        stored = uow.session.scalars(select(BankMethod).order_by(BankMethod.id)).all()
    return [m for m in stored if m.id not in app.config["DEMO_BANK_METHODS"]]


def test_the_kind_is_asked_then_pay_takes_the_numbers_in_our_words(connector_caller):
    c = connector_caller
    root = _to_pay(c, kind_key="2")
    pay = root.find("Pay")
    assert pay is not None and root.find("Gather") is None
    assert pay.get("paymentMethod") == "ach-debit"
    assert pay.get("paymentConnector") == "Default"
    assert pay.get("bankAccountType") == "consumer-savings"
    assert (pay.get("chargeAmount"), pay.get("tokenType")) == ("0", "reusable")
    assert pay.get("input") == "dtmf" and pay.get("language") == "en-US"
    assert pay.get("action").startswith("/voice/pay?turn=")
    assert pay.get("statusCallback") == "/voice/pay/status"
    prompts = {(p.get("for"), p.get("errorType")): p for p in pay.iter("Prompt")}
    routing = prompts[("bank-routing-number", None)].find("Say")
    assert "routing number" in routing.text and routing.get("voice") == "Polly.Joanna-Neural"
    assert "not valid" in prompts[("bank-routing-number", "invalid-bank-routing-number")].findtext(
        "Say"
    )
    assert "account number" in prompts[("bank-account-number", None)].findtext("Say")
    status = c.post("/voice/pay/status", {"For": "bank-account-number", "Attempt": "1"})
    assert status.status_code == 204


def test_a_token_is_stored_encrypted_and_rasa_gets_only_a_reference(
    app, connector_caller, fake_rasa, caplog
):
    caplog.set_level(logging.DEBUG)
    c = connector_caller
    _to_pay(c, kind_key="2")
    _pay_result(
        c,
        Result="success",
        PaymentToken=TOKEN,
        PaymentMethod="ach-debit",
        BankAccountType="consumer-savings",
        BankAccountNumber="xxxxxx4321",
        BankRoutingNumber="021000021",
        PaymentConfirmationCode="",
    )
    assert "ending in 4 3 2 1" in c.heard
    data = json.loads(fake_rasa.turns[-1][1].removeprefix("/inform"))
    assert data["bank_method_ref"].startswith("bm_")
    assert (data["bank_last4"], data["bank_kind"]) == ("4321", "savings")
    [method] = _methods(app)
    assert method.reference == data["bank_method_ref"]
    assert method.tokenized and method.account_number_encrypted is None
    assert (method.connector, method.routing_number, method.kind) == (
        "Default",
        "021000021",
        "savings",
    )
    with app.extensions["billing"].uow() as uow:
        assert uow.cipher.decrypt(method.processor_token_encrypted) == TOKEN
        state = uow.session.get(VoiceCall, c.sid).state
    assert TOKEN not in json.dumps(state)
    assert TOKEN not in caplog.text
    assert all(TOKEN not in message for _, message, *_ in fake_rasa.turns)


def test_a_repeated_pay_result_stores_one_token(app, connector_caller, fake_rasa):
    c = connector_caller
    _to_pay(c)
    action = c.action
    form = {"Result": "success", "PaymentToken": TOKEN, "BankAccountNumber": "****4321"}
    first = _pay_result(c, **form)
    again = c._answer(action, form)
    assert etree.tostring(first) == etree.tostring(again)
    assert len(_methods(app)) == 1
    assert sum(m.startswith("/inform") for _, m, *_ in fake_rasa.turns) == 1


@pytest.mark.parametrize(
    "form",
    [
        {"Result": "payment-connector-error", "ConnectorError": "timeout"},
        {"Result": "internal-error"},
        {"Result": "success", "PaymentToken": TOKEN},  # no last 4 to speak in the authorization
        {"Result": "success", "BankAccountNumber": "xxxx4321"},  # no token
    ],
)
def test_when_the_connector_fails_the_ivr_takes_the_numbers_by_keypad(app, connector_caller, form):
    c = connector_caller
    _to_pay(c)
    root = _pay_result(c, **form)
    assert "could not be taken" in c.heard and "routing number" in c.heard
    gather = root.find("Gather")
    assert gather.get("input") == "dtmf" and gather.get("numDigits") == "9"
    c.press("021000021")
    c.press("4455667788")
    c.press("4455667788")
    assert "ending in 7 7 8 8" in c.heard
    [method] = _methods(app)
    assert not method.tokenized and method.kind == "checking"


@pytest.mark.parametrize("result", ["too-many-failed-attempts", "caller-interrupted-with-star"])
def test_a_caller_who_gives_up_on_pay_is_offered_an_agent(connector_caller, fake_rasa, result):
    c = connector_caller
    _to_pay(c)
    root = _pay_result(c, Result=result)
    assert "agent" in c.heard and root.find("Gather").get("numDigits") == "1"
    assert [t[1] for t in fake_rasa.turns] == ["/pay_bill"]


def test_a_hang_up_during_pay_ends_quietly(connector_caller):
    c = connector_caller
    _to_pay(c)
    root = _pay_result(c, Result="caller-hung-up")
    assert len(root) == 0


def test_a_spanish_call_gets_pay_in_spanish(connector_caller):
    c = connector_caller
    root = _to_pay(c, spanish=True)
    pay = root.find("Pay")
    assert pay.get("language") == "es-US" and pay.get("bankAccountType") == "consumer-checking"
    say = next(pay.iter("Say"))
    assert say.get("voice") == "Polly.Lupe-Neural" and "ruta" in say.text


# --- End to end: the real Rasa server and action server, then the back office's processor run ----


@pytest.mark.rasa
@pytest.mark.slow
def test_a_pay_call_through_rasa_posts_once_and_the_processor_gets_the_token(
    e2e_app, e2e_caller, rasa_stack, caplog
):
    from decimal import Decimal

    from billing_core.backoffice.processor import run_processor_debits
    from billing_core.billing_calendar import utcnow
    from billing_core.models import Payment
    from tests.backoffice.test_processor import FakeProcessor
    from tests.voice.test_end_to_end import verified

    caplog.set_level(logging.DEBUG)
    use_channels(e2e_app, pay_connector="Default")
    runtime = e2e_app.extensions["billing"]
    with runtime.uow() as uow:
        earlier = set(uow.session.scalars(select(Payment.id)))
    c = e2e_caller
    c.phone = "+16175550311"
    verified(c, "1000000001", "02108", "3")
    c.press("25*00")
    if "ending in" in c.heard:  # an earlier test left a bank account on file: choose a new one
        c.press("2")
    root = c.press("2")  # savings
    assert root.find("Pay").get("bankAccountType") == "consumer-savings"
    _pay_result(c, Result="success", PaymentToken=TOKEN, BankAccountNumber="xxxxxxx8642")
    assert "8 6 4 2" in c.heard and "authorize" in c.heard
    consent = c.action
    c.press("1")
    assert "confirmation number" in c.heard
    c.repeat_last_request("1", consent)  # Twilio delivers it twice: still one payment

    with runtime.uow() as uow:
        [payment] = uow.session.scalars(select(Payment).where(Payment.id.not_in(earlier))).all()
        bank = uow.session.get(BankMethod, payment.bank_method_id)
    assert payment.amount == Decimal("25.00") and payment.sec_code == "TEL"
    assert bank.tokenized and bank.kind == "savings"

    processor = FakeProcessor()
    run_processor_debits(runtime.uow, processor, now=utcnow())
    [request] = [r for r in processor.requests if r.reference == payment.confirmation_number]
    assert request.token == TOKEN and request.amount == Decimal("25.00")
    assert TOKEN not in rasa_stack.tracker(f"voice:{c.sid}")
    assert TOKEN not in rasa_stack.log_text() and TOKEN not in caplog.text
    c.hang_up()


def test_the_simulator_plays_pay_and_its_connector(app, connector_caller, fake_rasa):
    import io

    from ivr.simulate import Phone, answers_from
    from tests.voice.test_simulate import transport_for

    script = io.StringIO("1\n3\n1\n021000021\n000123456789#\n")
    out = io.StringIO()
    Phone(transport_for(app), "+16175550101", "+18776236765", out=out).run(
        answers_from(script, echo=False)
    )
    printed = out.getvalue()
    assert "routing number" in printed and "the connector tokenizes" in printed
    assert "ending in 6 7 8 9" in printed
    [method] = _methods(app)
    assert method.tokenized and method.last4 == "6789"
    assert "000123456789" not in printed


# --- Cards, only while the card policy is on ----------------------------------------------------


def card_script(message, meta):
    if message == "/pay_bill":  # as actions/bank.py asks during a one-time payment
        return [
            bot(
                "voice_hold_on",
                expect="bank_account",
                account_number="1000000001",
                cards_allowed=True,
                card_fee_amount="2.95",
            )
        ]
    return pay_script(message, meta)


@pytest.fixture
def card_caller(database_url, tmp_path, clock, fake_rasa, channels):
    from datetime import UTC, datetime
    from decimal import Decimal

    from billing_core.demo import load_demo_data
    from ivr.app import create_app
    from tests.conftest import make_runtime
    from tests.voice.conftest import TOKEN
    from tests.voice.helpers import Caller

    rt = make_runtime(
        database_url, tmp_path, card_payments_enabled=True, card_convenience_fee=Decimal("2.95")
    )
    with rt.uow() as uow:
        load_demo_data(uow, now=datetime.now(UTC))
    app = create_app({"TESTING": True}, runtime=rt, channels=channels)
    app.extensions["rasa"] = fake_rasa
    use_channels(app, pay_connector="Default")
    with rt.uow() as uow:
        app.config["DEMO_BANK_METHODS"] = set(uow.session.scalars(select(BankMethod.id)))
    fake_rasa.script = card_script
    yield app, Caller(app.test_client(), TOKEN)
    rt.engine.dispose()


def test_a_card_is_offered_with_its_fee_and_pay_takes_it(card_caller, fake_rasa):
    app, c = card_caller
    c.dial_in()
    c.press("1")
    c.press("3")
    assert "press 3" in c.heard and "convenience fee of 2 dollars and 95 cents" in c.heard
    root = c.press("3")
    pay = root.find("Pay")
    assert pay.get("paymentMethod") == "credit-card"
    assert (pay.get("chargeAmount"), pay.get("tokenType")) == ("0", "one-time")
    assert (pay.get("securityCode"), pay.get("postalCode")) == ("true", "true")
    assert pay.get("bankAccountType") is None
    fields = [p.get("for") for p in pay.iter("Prompt") if p.get("errorType") is None]
    assert fields == ["payment-card-number", "expiration-date", "security-code", "postal-code"]
    _pay_result(
        c,
        Result="success",
        PaymentToken="ctok_77",
        PaymentMethod="credit-card",
        PaymentCardNumber="xxxxxxxxxxxx1111",
        PaymentCardType="visa",
        ExpirationDate="1228",
    )
    data = json.loads(fake_rasa.turns[-1][1].removeprefix("/inform"))
    assert (data["bank_kind"], data["bank_last4"]) == ("card", "1111")
    [method] = _methods(app)
    assert method.kind == "card" and method.tokenized


def test_a_failed_card_falls_back_to_a_bank_account(card_caller):
    _, c = card_caller
    c.dial_in()
    c.press("1")
    c.press("3")
    c.press("3")
    _pay_result(c, Result="payment-connector-error")
    assert "card details could not be taken" in c.heard
    assert "press 3" not in c.heard and "checking" in c.heard
    assert c.press("3").find("Pay") is None  # no card offer any more: a wrong key
    root = c.press("1")
    assert root.find("Pay").get("paymentMethod") == "ach-debit"


def test_no_card_is_offered_when_rasa_does_not_allow_one(connector_caller):
    c = connector_caller  # pay_script: no cards_allowed (AutoPay, or the card policy off)
    c.dial_in()
    c.press("1")
    c.press("3")
    assert "press 3" not in c.heard
    root = c.press("3")
    assert root.find("Pay") is None and "Sorry" in c.heard
