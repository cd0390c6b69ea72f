"""Payments from tokenized methods: sent to the payment processor that holds them.

A bank account or card collected by a payment connector (Twilio <Pay>) never reaches us: the
processor keeps the numbers and we keep its token (billing_core.payment_methods.add_tokenized_bank_method,
add_card). Those payments cannot go in our NACHA files; this job sends each one to the processor
instead, once:

1. claim: in one transaction, every pending payment of a tokenized method that is due and not yet
   sent gets a `processor_debits` row in status `sending` (unique per payment);
2. send: outside any transaction, each claimed debit goes to the processor with the payment's own
   idempotency key, so a re-send after a crash or a timeout gets the processor's first answer;
3. record: `accepted` (settles like an originated NACHA entry) or `declined` (reversed like an ACH
   return, member notified). A debit the processor did not answer stays `sending` and is sent again
   on the next run.

The processor contract (`HttpProcessor`) is documented in docs/backoffice.md.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Protocol

import requests
from sqlalchemy import exists, select

from billing_core.backoffice.models import ProcessorDebit
from billing_core.backoffice.notifications import Notifier, OutboxNotifier
from billing_core.backoffice.return_items import ReturnItem
from billing_core.backoffice.returns import ReturnsResult, apply_return
from billing_core.billing_calendar import eastern_date
from billing_core.models import BankMethod, Payment
from billing_core.sql import is_postgresql
from billing_core.unit_of_work import UnitOfWork, UowFactory

log = logging.getLogger(__name__)

DESCRIPTION = "HC PREMIUM"
# A decline without a NACHA return code is reversed under this code (payment_reversals.return_code).
DECLINED = "DCL"
_RETURN_CODE = re.compile(r"R\d\d")


@dataclass(frozen=True)
class DebitRequest:
    token: str = field(repr=False)
    method: str  # ach-debit | credit-card (Twilio's paymentMethod names)
    amount: Decimal  # what the member is charged: the payment plus any card convenience fee
    fee: Decimal
    idempotency_key: str
    reference: str  # our confirmation number
    sec_code: str | None  # ACH only
    payment_type: str | None  # ACH only
    account_kind: str  # checking | savings | card
    effective_date: date


@dataclass(frozen=True)
class DebitAnswer:
    status: str  # accepted | declined
    processor_reference: str | None = None
    code: str | None = None


class ProcessorUnavailable(Exception):
    """No usable answer (network, timeout, 5xx, malformed): the debit is sent again later."""


class Processor(Protocol):
    connector: str

    def debit(self, request: DebitRequest) -> DebitAnswer: ...


class HttpProcessor:
    """`POST {url}/debits` with a bearer key and an Idempotency-Key header; see docs/backoffice.md."""

    def __init__(self, url: str, api_key: str, connector: str, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.connector = connector
        self._session = requests.Session()
        self._session.headers["Authorization"] = f"Bearer {api_key}"
        self.timeout = timeout

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> HttpProcessor | None:
        """PROCESSOR_URL, PROCESSOR_API_KEY_FILE (or PROCESSOR_API_KEY), TWILIO_PAY_CONNECTOR."""
        env = dict(os.environ if env is None else env)
        url = env.get("PROCESSOR_URL")
        if not url:
            return None
        key_file = env.get("PROCESSOR_API_KEY_FILE")
        key = Path(key_file).read_text().strip() if key_file else env.get("PROCESSOR_API_KEY", "")
        return cls(url, key, env.get("TWILIO_PAY_CONNECTOR") or "Default")

    def debit(self, request: DebitRequest) -> DebitAnswer:
        body = {
            "token": request.token,
            "method": request.method,
            "amount": str(request.amount),
            "fee": str(request.fee),
            "currency": "USD",
            "reference": request.reference,
            "sec_code": request.sec_code,
            "payment_type": request.payment_type,
            "account_kind": request.account_kind,
            "effective_date": request.effective_date.isoformat(),
            "description": DESCRIPTION,
        }
        try:
            response = self._session.post(
                f"{self.url}/debits",
                json=body,
                headers={"Idempotency-Key": request.idempotency_key},
                timeout=self.timeout,
            )
            data = response.json() if response.status_code in (200, 201) else None
        except (requests.RequestException, ValueError) as exc:
            raise ProcessorUnavailable(type(exc).__name__) from None
        if not isinstance(data, dict) or data.get("status") not in ("accepted", "declined"):
            raise ProcessorUnavailable(f"HTTP {response.status_code}")
        return DebitAnswer(
            status=data["status"],
            processor_reference=str(data.get("id") or "")[:80] or None,
            code=str(data.get("code") or "")[:20] or None,
        )


@dataclass
class ProcessorResult:
    sent: int = 0
    accepted: int = 0
    declined: int = 0
    unanswered: int = 0
    waiting: int = 0  # due debits not sent because no processor is configured


def _due(run_date: date):  # type: ignore[no-untyped-def]
    return (
        select(Payment.id, Payment.confirmation_number)
        .join(BankMethod, BankMethod.id == Payment.bank_method_id)
        .where(
            Payment.method.in_(("eft", "card")),
            Payment.status == "pending",
            Payment.effective_date <= run_date,
            BankMethod.processor_token_encrypted.is_not(None),
            ~exists().where(ProcessorDebit.payment_id == Payment.id),
        )
        .order_by(Payment.id)
    )


def _claim(uow: UnitOfWork, run_date: date, connector: str, now: datetime) -> None:
    stmt = _due(run_date)
    if is_postgresql(uow.session):
        stmt = stmt.with_for_update(skip_locked=True, of=Payment)
    uow.session.add_all(
        ProcessorDebit(
            payment_id=pid,
            connector=connector,
            idempotency_key=f"hc-debit-{confirmation}",  # the same on every re-send
            status="sending",
            sent_at=now,
        )
        for pid, confirmation in uow.session.execute(stmt).all()
    )


def _requests(uow: UnitOfWork) -> list[tuple[int, DebitRequest]]:
    rows = uow.session.execute(
        select(ProcessorDebit, Payment, BankMethod)
        .join(Payment, Payment.id == ProcessorDebit.payment_id)
        .join(BankMethod, BankMethod.id == Payment.bank_method_id)
        .where(ProcessorDebit.status == "sending")
        .order_by(ProcessorDebit.id)
    ).all()
    return [
        (
            debit.id,
            DebitRequest(
                token=uow.cipher.decrypt(bank.processor_token_encrypted),
                method="credit-card" if payment.method == "card" else "ach-debit",
                amount=payment.amount + payment.fee,
                fee=payment.fee,
                idempotency_key=debit.idempotency_key,
                reference=payment.confirmation_number,
                sec_code=payment.sec_code,
                payment_type=payment.payment_type,
                account_kind=bank.kind,
                effective_date=payment.effective_date,
            ),
        )
        for debit, payment, bank in rows
    ]


def _record(
    uow: UnitOfWork,
    debit_id: int,
    answer: DebitAnswer,
    now: datetime,
    notifier: Notifier,
    result: ProcessorResult,
) -> None:
    session = uow.session
    debit = session.scalars(
        select(ProcessorDebit).where(ProcessorDebit.id == debit_id).with_for_update()
    ).one()
    if debit.status != "sending":  # a parallel run recorded the same answer first
        return
    debit.status = answer.status
    debit.processor_reference = answer.processor_reference
    debit.decline_code = answer.code
    debit.answered_at = now
    if answer.status == "accepted":
        result.accepted += 1
        return
    result.declined += 1
    payment = session.scalars(
        select(Payment).where(Payment.id == debit.payment_id).with_for_update()
    ).one()
    code = answer.code if answer.code and _RETURN_CODE.fullmatch(answer.code) else DECLINED
    item = ReturnItem(
        code=code, returned_on=eastern_date(now), confirmation_number=payment.confirmation_number
    )
    apply_return(uow, payment, item, now, f"processor:{debit.connector}", notifier, ReturnsResult())


def run_processor_debits(
    uow_factory: UowFactory,
    processor: Processor | None,
    *,
    now: datetime,
    run_date: date | None = None,
    notifier: Callable[[UnitOfWork], Notifier] | None = None,
    progress: Callable[[int], None] = lambda _: None,
) -> ProcessorResult:
    """Send every due payment of a tokenized method (and any left unanswered) to the processor."""
    run_date = run_date or eastern_date(now)
    make_notifier = notifier or (lambda uow: OutboxNotifier(uow.session, now))
    result = ProcessorResult()
    if processor is None:
        with uow_factory() as uow:
            result.waiting = len(uow.session.execute(_due(run_date)).all())
        if result.waiting:
            log.warning("%d tokenized debits wait: PROCESSOR_URL is not set", result.waiting)
        return result
    with uow_factory() as uow:
        _claim(uow, run_date, processor.connector, now)
    with uow_factory() as uow:
        pending = _requests(uow)
    for debit_id, request in pending:
        result.sent += 1
        try:
            answer = processor.debit(request)
        except ProcessorUnavailable as exc:
            result.unanswered += 1
            log.warning("debit %s unanswered by the processor (%s)", request.reference, exc)
            continue
        finally:
            progress(1)
        with uow_factory() as uow:
            _record(uow, debit_id, answer, now, make_notifier(uow), result)
    return result
