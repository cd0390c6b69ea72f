"""Fixtures for the SMS channel: members with bills, a Flask app with a fake Rasa, signed posts."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from twilio.request_validator import RequestValidator

import ivr.sms.models  # noqa: F401  (registers the SMS tables for the truncating fixtures)
from billing_core.billing_calendar import due_at
from billing_core.models import (
    Account,
    Authorization,
    AutopayEnrollment,
    BankMethod,
    ContactPhone,
    Coverage,
    Enrollee,
    Invoice,
    Payment,
)
from billing_core.runtime import BillingRuntime
from ivr.config import ChannelSettings
from ivr.sms.transport import OutgoingSms, SendResult
from messages.render import LOCALES_DIR, translations
from tests.fake_rasa import FakeRasa

AUTH_TOKEN = "test-auth-token"
BASE_URL = "https://sms.example.org"
# The coverage month the tests bill: January 2027, due 23 December 2026 at 5 PM Eastern.
MONTH = date(2027, 1, 1)
DUE = due_at(MONTH)


@pytest.fixture(scope="session", autouse=True)
def sms_catalog_compiled() -> None:
    """Compile the Spanish SMS catalog (.mo files are build output, not committed)."""
    po = LOCALES_DIR / "es" / "LC_MESSAGES" / "sms.po"
    mo = po.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        with po.open("rb") as f:
            catalog = read_po(f, locale="es", domain="sms")
        with mo.open("wb") as f:
            write_mo(f, catalog)
        translations.cache_clear()


_counter = itertools.count(1)


@dataclass
class Member:
    account_id: int
    account_number: str
    phone: str
    phone_id: int


def add_member(
    runtime: BillingRuntime,
    *,
    premium: str = "198.00",
    paid: str | None = None,
    language: str = "en",
    timezone: str = "America/New_York",
    verified: bool = True,
    opted_in: bool = True,
    autopay_day: int | None = None,
    autopay_status: str = "active",
    last_draft: str | None = None,
    month: date = MONTH,
) -> Member:
    """An account with one coverage billed for `month` (and optionally a payment and AutoPay)."""
    n = next(_counter)
    created = datetime(2026, 11, 1, 5, 0, tzinfo=UTC)
    with runtime.uow() as uow:
        s = uow.session
        account = Account(
            account_number=f"{3000000000 + n}",
            name=f"Member {n}",
            zip_code="02108",
            language=language,
            timezone=timezone,
            created_at=created,
        )
        s.add(account)
        s.flush()
        phone = ContactPhone(
            account_id=account.id,
            number=f"+1617555{n:04d}",
            verified=verified,
            sms_opt_in=opted_in,
        )
        enrollee = Enrollee(
            account_id=account.id, name=account.name, date_of_birth=date(1980, 1, 1)
        )
        s.add_all([phone, enrollee])
        s.flush()
        coverage = Coverage(
            enrollee_id=enrollee.id,
            account_id=account.id,
            line="health",
            plan_name="Silver",
            monthly_premium=Decimal(premium),
            start_month=month,
        )
        s.add(coverage)
        s.flush()
        s.add(
            Invoice(
                invoice_number=f"{month:%Y%m}0{coverage.id}",
                account_id=account.id,
                coverage_id=coverage.id,
                coverage_month=month,
                amount=Decimal(premium),
                issued_at=created,
                due_at=due_at(month),
            )
        )
        if paid:
            s.add(
                Payment(
                    confirmation_number=f"8{n:09d}",
                    idempotency_key=f"test-{n}",
                    account_id=account.id,
                    amount=Decimal(paid),
                    method="check",
                    channel="mail",
                    status="settled",
                    effective_date=date(2026, 12, 1),
                    created_at=created,
                )
            )
        if autopay_day is not None:
            auth = Authorization(
                account_id=account.id,
                kind="autopay_enroll",
                channel="web",
                reference="test",
                script_version="t1",
                script_text="test",
                consent_input="click",
                created_at=created,
            )
            bank = BankMethod(
                reference=f"bm-{n}",
                account_id=account.id,
                kind="checking",
                routing_number="021000021",
                account_number_encrypted=runtime.cipher.encrypt("000000001234"),
                last4="1234",
                created_at=created,
            )
            s.add_all([auth, bank])
            s.flush()
            s.add(
                AutopayEnrollment(
                    account_id=account.id,
                    bank_method_id=bank.id,
                    draft_day=autopay_day,
                    status=autopay_status,
                    authorization_id=auth.id,
                    last_draft_amount=Decimal(last_draft) if last_draft else None,
                    updated_at=created,
                )
            )
        s.flush()
        return Member(account.id, account.account_number, phone.number, phone.id)


@dataclass
class RecordingTransport:
    """A transport that remembers every text and can be told to fail or 'crash' at the n-th one."""

    name: str = "fake"
    flush_every: int = 1
    sent: list[OutgoingSms] = field(default_factory=list)
    crash_at: int | None = None  # raise this exception on the n-th send (1-based)...
    crash_with: BaseException | None = None
    crash_after_accept: bool = False  # ...after Twilio "accepted" it (the text went out)
    recorded_batches: int = 0

    def send(self, sms: OutgoingSms) -> SendResult:
        number = len(self.sent) + 1
        if self.crash_at == number and not self.crash_after_accept:
            assert self.crash_with is not None
            raise self.crash_with
        self.sent.append(sms)
        if self.crash_at == number:
            assert self.crash_with is not None
            raise self.crash_with
        return SendResult(sid=f"SM{number:032x}", status="queued")

    def lookup(self, to: str, body: str, since: datetime) -> SendResult | None:
        for i, sms in enumerate(self.sent, start=1):
            if sms.to == to and sms.body == body:
                return SendResult(sid=f"SM{i:032x}", status="sent")
        return None

    def recorded(self, messages: Any) -> None:
        self.recorded_batches += 1


class SimulatedCrash(BaseException):
    """Stands for the process dying (kill -9, node lost): no except-Exception cleanup runs."""


@pytest.fixture
def channels() -> ChannelSettings:
    return ChannelSettings(twilio_auth_token=AUTH_TOKEN, public_base_url=BASE_URL)


@pytest.fixture
def fake_rasa() -> FakeRasa:
    return FakeRasa()


@pytest.fixture
def app(runtime: BillingRuntime, channels: ChannelSettings, fake_rasa: FakeRasa) -> Iterator[Any]:
    from ivr.app import create_app

    flask_app = create_app({"TESTING": True}, runtime=runtime, channels=channels)
    flask_app.extensions["rasa"] = fake_rasa
    yield flask_app


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


def sign(path: str, params: dict[str, str], token: str = AUTH_TOKEN) -> dict[str, str]:
    return {
        "X-Twilio-Signature": RequestValidator(token).compute_signature(BASE_URL + path, params)
    }


@pytest.fixture
def post_signed(client: Any):  # type: ignore[no-untyped-def]
    def post(path: str, params: dict[str, str]):  # type: ignore[no-untyped-def]
        return client.post(path, data=params, headers=sign(path, params))

    return post


def repo_root() -> Path:
    return Path(__file__).resolve().parents[2]
