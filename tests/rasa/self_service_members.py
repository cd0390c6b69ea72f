"""Members of their own for the self-service end-to-end tests, in the Rasa stack's database.

The stack's database is shared by the whole test session, so each test makes a new member (never a
demo account another test reads), billed for the coming month like the demo members, with a
verified phone that takes texts and a bank account on file. What the back office would do (a
payment by phone, a check, a return, a NACHA file) is done here with the real billing_core jobs.
"""

from __future__ import annotations

import itertools
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from billing_core.autopay import enroll_autopay
from billing_core.backoffice.nacha import run_origination
from billing_core.backoffice.returns import ReturnItem, apply_returns
from billing_core.bill_run import run_bill_run
from billing_core.billing_calendar import bill_run_issued_at, eastern_date, utcnow
from billing_core.demo import upcoming_month
from billing_core.models import Account, ContactPhone, Coverage, Enrollee, Payment
from billing_core.payment_methods import add_bank_method
from billing_core.payments import record_authorization, take_payment
from billing_core.runtime import BillingRuntime
from billing_core.settings import Settings
from messages.render import render
from tests.rasa_stack import RasaStack

_numbers = itertools.count(3100000001)
_conversations = itertools.count()
ZIP = "02111"
BANK_LAST4 = "4729"  # said nowhere else: a test can search every answer for it


@dataclass(frozen=True)
class Member:
    number: str
    zip_code: str
    phone: str
    bank_ref: str
    premium: Decimal


def new_member(
    stack: RasaStack,
    *,
    language: str = "en",
    premium: str = "240.00",
    autopay_day: int | None = None,
) -> Member:
    number = str(next(_numbers))
    phone = f"+1617556{number[-4:]}"
    now = utcnow()
    month = upcoming_month(now)
    rt = stack.runtime()
    with rt.uow() as uow:
        account = Account(
            account_number=number,
            name="Ana Torres" if language == "es" else "Sam Rivers",
            zip_code=ZIP,
            date_of_birth=date(1982, 5, 6),
            language=language,
            created_at=now,
        )
        uow.session.add(account)
        uow.session.flush()
        uow.session.add(
            ContactPhone(account_id=account.id, number=phone, verified=True, sms_opt_in=True)
        )
        enrollee = Enrollee(
            account_id=account.id, name=account.name, date_of_birth=date(1982, 5, 6)
        )
        uow.session.add(enrollee)
        uow.session.flush()
        uow.session.add(
            Coverage(
                enrollee_id=enrollee.id,
                account_id=account.id,
                line="health",
                plan_name="Silver",
                monthly_premium=Decimal(premium),
                start_month=month,
            )
        )
        ref = add_bank_method(
            uow,
            number,
            routing_number="011000015",
            bank_account_number=f"{number[-6:]}{BANK_LAST4}",
            kind="checking",
            channel="voice",
            now=now,
        ).reference
        if autopay_day is not None:
            auth = authorization(uow, number, "autopay_enroll", now)
            enroll_autopay(
                uow,
                number,
                bank_method_reference=ref,
                draft_day=autopay_day,
                authorization_id=auth,
                now=now,
            )
    with rt.uow() as uow:  # the coming month, as the demo members are billed (idempotent)
        run_bill_run(uow, month, now=bill_run_issued_at(month))
    rt.engine.dispose()
    return Member(number, ZIP, phone, ref, Decimal(premium))


def authorization(uow, number: str, kind: str, now: datetime) -> int:  # type: ignore[no-untyped-def]
    return record_authorization(
        uow,
        number,
        kind=kind,
        channel="voice",
        reference="CA-self-service-test",
        script_version="t1",
        script_text="authorized in the test",
        consent_input="dtmf:1",
        now=now,
    )


def pay_by_phone(stack: RasaStack, member: Member, amount: str) -> str:
    """A one-time payment by phone, as the pay form takes it; returns its confirmation number."""
    rt = stack.runtime()
    now = utcnow()
    with rt.uow() as uow:
        receipt = take_payment(
            uow,
            member.number,
            amount=amount,
            channel="voice",
            idempotency_key=f"test-pay-{member.number}-{now.timestamp()}",
            authorization_id=authorization(uow, member.number, "one_time_debit", now),
            now=now,
            bank_method_reference=member.bank_ref,
        )
    rt.engine.dispose()
    return receipt.confirmation_number


def mailed_check(stack: RasaStack, member: Member, amount: str, received: date) -> None:
    """A check from the lockbox import: posted (settled) the day it was received."""
    rt = stack.runtime()
    with rt.uow() as uow:
        account_id = uow.session.scalar(
            select(Account.id).where(Account.account_number == member.number)
        )
        uow.session.add(
            Payment(
                confirmation_number=f"7{member.number[-9:]}",
                idempotency_key=f"ext:mail:{member.number}",
                account_id=account_id,
                amount=Decimal(amount),
                method="check",
                channel="mail",
                status="settled",
                effective_date=received,
                created_at=utcnow(),
            )
        )
    rt.engine.dispose()


def bank_returned(stack: RasaStack, confirmation: str, code: str) -> date:
    rt = stack.runtime()
    today = eastern_date(utcnow())
    item = ReturnItem(code=code, returned_on=today, confirmation_number=confirmation)
    apply_returns(rt.uow, [item], now=utcnow(), source="test-returns.csv")
    rt.engine.dispose()
    return today


def cut_nacha_file(stack: RasaStack, out_dir: Path) -> None:
    """The origination job: every pending keyed EFT debit goes into today's file (the cut-off)."""
    rt = stack.runtime()
    run_origination(rt.uow, now=utcnow(), file_date=eastern_date(utcnow()), out_dir=out_dir)
    rt.engine.dispose()


def copy_of_database(stack: RasaStack, path: Path) -> BillingRuntime:
    """A consistent copy of the stack's SQLite database (the backup API), for jobs run into the
    future without touching what other tests read."""
    source = sqlite3.connect(stack.database_url.removeprefix("sqlite:///"))
    target = sqlite3.connect(path)
    with target:
        source.backup(target)
    source.close()
    target.close()
    return BillingRuntime.start(
        Settings(database_url=f"sqlite:///{path}", bank_data_key_path=stack.key_file)
    )


# --- conversations ------------------------------------------------------------------------------

YES = {"en": "yes", "es": "sí"}


def ids(payloads):
    return [p["msg"] for p in payloads]


class Conversation:
    """One conversation through the signed channel; every answer is also rendered in its language
    and channel, so a message id without wording or a missing parameter fails here."""

    def __init__(self, stack, member: Member, channel: str, locale: str = "en"):
        self.stack, self.member, self.channel, self.locale = stack, member, channel, locale
        self.sender = f"{channel}-self-service-{next(_conversations)}"
        self.meta = {"channel": channel, "locale": locale}
        if channel == "sms":  # the gateway names the account of a phone verified on it
            self.meta.update(phone=member.phone, caller_account=member.number)

    def say(self, text: str) -> list[dict]:
        answer = self.stack.send(self.sender, text, **self.meta)
        for payload in answer:
            params = {k: v for k, v in payload.items() if k not in ("msg", "buttons")}
            assert render(payload["msg"], params, locale=self.locale, channel=self.channel)
        return answer

    def verify(self, first: str) -> list[dict]:
        """Asks `first`, gives the account number (unless the phone named it) and the ZIP code."""
        answer = self.say(first)
        if ids(answer) == ["ask_account_number"]:
            answer = self.say(self.member.number)
        assert ids(answer) == ["ask_zip_code"], answer
        return self.say(self.member.zip_code)


def today():
    return eastern_date(utcnow())
