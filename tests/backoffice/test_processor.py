"""Debits of tokenized bank accounts go to the payment processor once, never into a NACHA file."""

from __future__ import annotations

import json
import threading
from datetime import date
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select, text

from billing_core.backoffice.models import MemberNotification, PaymentReversal, ProcessorDebit
from billing_core.backoffice.nacha import run_origination
from billing_core.backoffice.processor import (
    DebitAnswer,
    DebitRequest,
    HttpProcessor,
    ProcessorUnavailable,
    run_processor_debits,
)
from billing_core.backoffice.settlement import run_settlement
from billing_core.models import Payment
from tests.backoffice.helpers import (
    add_card_for,
    add_tokenized,
    bill,
    eastern,
    make_member,
    pay,
)
from tests.backoffice.test_returns import _owed

JAN = date(2027, 1, 1)
TUESDAY = date(2026, 12, 1)
TOKEN = "btok_9f8e7d6c5b4a"


class FakeProcessor:
    """The edge of the world: the processor that holds the tokenized bank accounts."""

    connector = "Default"

    def __init__(self, answers: list[DebitAnswer | Exception] | None = None) -> None:
        self.answers = list(answers or [])
        self.requests: list[DebitRequest] = []
        self.first_answer: dict[str, DebitAnswer] = {}

    def debit(self, request: DebitRequest) -> DebitAnswer:
        self.requests.append(request)
        if request.idempotency_key in self.first_answer:  # what a real processor does
            return self.first_answer[request.idempotency_key]
        answer = self.answers.pop(0) if self.answers else DebitAnswer("accepted", "dbt_1")
        if isinstance(answer, Exception):
            raise answer
        self.first_answer[request.idempotency_key] = answer
        return answer


def _tokenized_payment(rt, amount="300.00", key="call-1"):
    number, _ = make_member(rt)
    bill(rt, JAN)
    ref = add_tokenized(rt, number, TOKEN)
    confirmation = pay(rt, number, ref, amount, eastern(TUESDAY, 10), key)
    return number, confirmation


def _debits(rt):
    with rt.uow() as uow:
        return [
            (d.status, d.processor_reference, d.decline_code)
            for d in uow.session.scalars(select(ProcessorDebit).order_by(ProcessorDebit.id))
        ]


def test_a_tokenized_debit_goes_to_the_processor_once_and_settles(runtime, ach_dir):
    number, confirmation = _tokenized_payment(runtime)
    nacha = run_origination(
        runtime.uow, now=eastern(TUESDAY, 15), file_date=TUESDAY, out_dir=ach_dir
    )
    assert nacha.entries == 0  # our files only carry numbers we hold
    processor = FakeProcessor()
    result = run_processor_debits(runtime.uow, processor, now=eastern(TUESDAY, 16))
    assert (result.sent, result.accepted, result.declined) == (1, 1, 0)
    [request] = processor.requests
    assert request.token == TOKEN
    assert (request.method, request.amount, request.fee) == ("ach-debit", Decimal("300.00"), 0)
    assert (request.sec_code, request.payment_type, request.reference) == ("TEL", "S", confirmation)
    assert request.idempotency_key == f"hc-debit-{confirmation}"
    assert _debits(runtime) == [("accepted", "dbt_1", None)]

    again = run_processor_debits(runtime.uow, processor, now=eastern(TUESDAY, 17))
    assert again.sent == 0 and len(processor.requests) == 1
    assert run_settlement(runtime.uow, now=eastern(date(2026, 12, 2))) == 0
    assert run_settlement(runtime.uow, now=eastern(date(2026, 12, 3))) == 1
    assert _owed(runtime, number) == Decimal("0.00")


def test_a_declined_debit_is_reversed_and_the_member_is_told(runtime):
    number, confirmation = _tokenized_payment(runtime)
    assert _owed(runtime, number) == Decimal("0.00")
    processor = FakeProcessor([DebitAnswer("declined", "dbt_2", "R01")])
    result = run_processor_debits(runtime.uow, processor, now=eastern(TUESDAY, 16))
    assert (result.accepted, result.declined) == (0, 1)
    assert _owed(runtime, number) == Decimal("300.00")
    with runtime.uow() as uow:
        payment = uow.session.scalars(select(Payment)).one()
        reversal = uow.session.scalars(select(PaymentReversal)).one()
        notice = uow.session.scalars(
            select(MemberNotification).where(MemberNotification.kind == "payment_returned")
        ).one()
    assert payment.status == "returned"
    assert (reversal.return_code, reversal.source) == ("R01", "processor:Default")
    assert notice.params["confirmation_number"] == confirmation
    assert notice.params["last4"] == "6789"
    assert run_settlement(runtime.uow, now=eastern(date(2026, 12, 10))) == 0


def test_a_decline_without_a_return_code_is_reversed_as_declined(runtime):
    number, _ = _tokenized_payment(runtime)
    processor = FakeProcessor([DebitAnswer("declined", None, "token_revoked")])
    run_processor_debits(runtime.uow, processor, now=eastern(TUESDAY, 16))
    assert _debits(runtime) == [("declined", None, "token_revoked")]
    with runtime.uow() as uow:
        assert uow.session.scalars(select(PaymentReversal.return_code)).one() == "DCL"
    assert _owed(runtime, number) == Decimal("300.00")


def test_an_unanswered_debit_is_sent_again_with_the_same_key(runtime):
    _tokenized_payment(runtime)
    processor = FakeProcessor([ProcessorUnavailable("timeout")])
    first = run_processor_debits(runtime.uow, processor, now=eastern(TUESDAY, 16))
    assert (first.sent, first.unanswered) == (1, 1)
    assert _debits(runtime) == [("sending", None, None)]
    second = run_processor_debits(runtime.uow, processor, now=eastern(TUESDAY, 17))
    assert (second.sent, second.accepted) == (1, 1)
    keys = {r.idempotency_key for r in processor.requests}
    assert len(processor.requests) == 2 and len(keys) == 1


def test_without_a_processor_tokenized_debits_wait_and_nothing_is_claimed(runtime):
    _tokenized_payment(runtime)
    result = run_processor_debits(runtime.uow, None, now=eastern(TUESDAY, 16))
    assert result.waiting == 1 and result.sent == 0
    assert _debits(runtime) == []


def test_a_debit_due_later_is_not_sent_early(runtime):
    _tokenized_payment(runtime)
    processor = FakeProcessor()
    run_processor_debits(
        runtime.uow, processor, now=eastern(TUESDAY, 16), run_date=date(2026, 11, 30)
    )
    assert processor.requests == []


def test_the_token_is_stored_encrypted(runtime):
    _tokenized_payment(runtime)
    with runtime.engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM bank_methods")).all()
    dump = repr(rows)
    assert TOKEN not in dump and TOKEN.encode().hex() not in dump


# --- the HTTP contract, against a local stand-in for the processor's API ---------------------


class _Handler(BaseHTTPRequestHandler):
    replies: list[tuple[int, bytes]] = []
    seen: list[tuple[str, dict, dict]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).seen.append((self.path, dict(self.headers), body))
        status, payload = type(self).replies.pop(0)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args) -> None:  # quiet
        pass


@pytest.fixture
def processor_api():
    _Handler.replies, _Handler.seen = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Handler
    server.shutdown()
    server.server_close()


REQUEST = DebitRequest(
    token=TOKEN,
    method="ach-debit",
    amount=Decimal("12.34"),
    fee=Decimal("0.00"),
    idempotency_key="hc-debit-HC1",
    reference="HC1",
    sec_code="TEL",
    payment_type="S",
    account_kind="savings",
    effective_date=TUESDAY,
)


def test_the_http_processor_speaks_the_documented_contract(processor_api, tmp_path):
    url, handler = processor_api
    handler.replies = [
        (201, b'{"id": "dbt_77", "status": "accepted"}'),
        (200, b'{"id": "dbt_78", "status": "declined", "code": "R03"}'),
    ]
    key_file = tmp_path / "processor.key"
    key_file.write_text("sk_test_abc\n")
    processor = HttpProcessor.from_env(
        {"PROCESSOR_URL": url + "/", "PROCESSOR_API_KEY_FILE": str(key_file)}
    )
    assert processor.debit(REQUEST) == DebitAnswer("accepted", "dbt_77", None)
    assert processor.debit(REQUEST) == DebitAnswer("declined", "dbt_78", "R03")
    path, headers, body = handler.seen[0]
    assert path == "/debits"
    assert headers["Authorization"] == "Bearer sk_test_abc"
    assert headers["Idempotency-Key"] == "hc-debit-HC1"
    assert body == {
        "token": TOKEN,
        "method": "ach-debit",
        "amount": "12.34",
        "fee": "0.00",
        "currency": "USD",
        "reference": "HC1",
        "sec_code": "TEL",
        "payment_type": "S",
        "account_kind": "savings",
        "effective_date": "2026-12-01",
        "description": "HC PREMIUM",
    }


@pytest.mark.parametrize(
    "reply", [(500, b'{"error": "down"}'), (200, b"not json"), (200, b'{"status": "maybe"}')]
)
def test_no_usable_answer_means_unavailable_not_declined(processor_api, reply):
    url, handler = processor_api
    handler.replies = [reply]
    with pytest.raises(ProcessorUnavailable):
        HttpProcessor(url, "k", "Default").debit(REQUEST)


def test_an_unreachable_processor_is_unavailable():
    with pytest.raises(ProcessorUnavailable):
        HttpProcessor("http://127.0.0.1:9", "k", "Default", timeout=2).debit(REQUEST)


def test_no_processor_url_means_no_processor():
    assert HttpProcessor.from_env({}) is None


@pytest.fixture
def card_runtime(database_url, tmp_path):
    """The card policy on, with a $2.95 fee."""
    from tests.conftest import make_runtime

    rt = make_runtime(
        database_url, tmp_path, card_payments_enabled=True, card_convenience_fee=Decimal("2.95")
    )
    yield rt
    rt.engine.dispose()


def _card_payment(rt, token, last4, key, **member):
    """A member billed $300 for January who pays $120 by card; returns (account, confirmation)."""
    number, _ = make_member(rt, **member)
    bill(rt, JAN)
    card = add_card_for(rt, number, token, last4)
    return number, pay(rt, number, card, "120.00", eastern(TUESDAY, 10), key)


def test_a_card_payment_is_charged_with_its_fee_through_the_processor(card_runtime):
    rt = card_runtime
    number, confirmation = _card_payment(rt, "ctok_42", "4242", "card-1")
    processor = FakeProcessor()
    run_processor_debits(rt.uow, processor, now=eastern(TUESDAY, 16))
    [request] = processor.requests
    assert (request.method, request.token, request.reference) == (
        "credit-card",
        "ctok_42",
        confirmation,
    )
    assert (request.amount, request.fee) == (Decimal("122.95"), Decimal("2.95"))
    assert (request.sec_code, request.account_kind) == (None, "card")
    assert _owed(rt, number) == Decimal("180.00")
    assert run_settlement(rt.uow, now=eastern(date(2026, 12, 3))) == 1


def test_a_declined_card_is_reversed_and_the_member_told_it_was_the_card(card_runtime):
    rt = card_runtime
    number, _ = _card_payment(rt, "ctok_9", "0002", "card-2", sms=True)
    processor = FakeProcessor([DebitAnswer("declined", "ch_1", "card_declined")])
    run_processor_debits(rt.uow, processor, now=eastern(TUESDAY, 16))
    assert _owed(rt, number) == Decimal("300.00")
    with rt.uow() as uow:
        kinds = set(uow.session.scalars(select(MemberNotification.kind)))
    assert "card_declined" in kinds and "payment_returned" not in kinds
