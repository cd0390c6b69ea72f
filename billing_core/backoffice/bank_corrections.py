"""Notifications of change (NOC, C01-C07): the RDFI's corrected routing number, account number or
account kind, applied to the bank method we debit, once per payment and change code."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from billing_core.accounts import normalize_digits
from billing_core.backoffice.models import BankCorrection
from billing_core.backoffice.nacha import KIND_BY_CODE, RETURN_CODES
from billing_core.backoffice.return_items import ReturnItem
from billing_core.models import BankMethod, Payment
from billing_core.payment_methods import validate_bank_account_number, validate_routing_number
from billing_core.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


def corrections_of(code: str, data: str) -> dict[str, str]:
    """The fields a NOC's corrected-data area carries (NACHA layouts for C01-C07)."""
    d = data.ljust(29)
    if code == "C01":
        return {"account": d[:17].strip()}
    if code == "C02":
        return {"routing": d[:9].strip()}
    if code == "C03":
        return {"routing": d[:9].strip(), "account": d[12:29].strip()}
    if code == "C05":
        return {"transaction_code": d[:2].strip()}
    if code == "C06":
        return {"account": d[:17].strip(), "transaction_code": d[20:22].strip()}
    if code == "C07":
        return {
            "routing": d[:9].strip(),
            "account": d[9:26].strip(),
            "transaction_code": d[26:28].strip(),
        }
    return {}


def apply_noc(uow: UnitOfWork, payment: Payment, item: ReturnItem, now: datetime) -> int:
    session = uow.session
    if payment.bank_method_id is None:
        return 0
    if session.scalar(
        select(BankCorrection.id).where(
            BankCorrection.payment_id == payment.id, BankCorrection.change_code == item.code
        )
    ):
        return 0
    bank = session.scalars(
        select(BankMethod).where(BankMethod.id == payment.bank_method_id).with_for_update()
    ).one()
    if bank.tokenized:
        # The processor holds these numbers and applies the correction to its own record.
        log.info("NOC %s for a tokenized bank account: nothing to correct here", item.code)
        return 0
    fields = corrections_of(item.code, item.corrected_data)
    detail: dict[str, object] = {"old_last4": bank.last4}
    if "routing" in fields:
        bank.routing_number = validate_routing_number(fields["routing"])
        detail["routing_changed"] = True
    if "account" in fields:
        number = validate_bank_account_number(normalize_digits(fields["account"]))
        bank.account_number_encrypted = uow.cipher.encrypt(number)
        bank.last4 = number[-4:]
        del number
    if "transaction_code" in fields:
        code = fields["transaction_code"]
        bank.kind = KIND_BY_CODE.get(code) or RETURN_CODES.get(code) or bank.kind
        detail["kind"] = bank.kind
    detail["new_last4"] = bank.last4
    session.add(
        BankCorrection(
            bank_method_id=bank.id,
            payment_id=payment.id,
            change_code=item.code,
            detail=detail,
            created_at=now,
        )
    )
    return 1
