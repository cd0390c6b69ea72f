"""The monthly bill run: one invoice per active coverage for next month, set-based and idempotent."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Integer, String, cast, func, literal, or_, select

from billing_core import errors
from billing_core.billing_calendar import add_months, due_at, first_of_month
from billing_core.ledger import current_invoices
from billing_core.models import Coverage, Invoice
from billing_core.sql import insert_for, is_postgresql
from billing_core.types import UTCDateTime
from billing_core.unit_of_work import UnitOfWork


def invoice_number_prefix(coverage_month: date, revision: int) -> str:
    """Invoice numbers are digits only (keypad friendly): YYYYMM, revision digit, coverage id."""
    return f"{coverage_month:%Y%m}{revision}"


def run_bill_run(uow: UnitOfWork, coverage_month: date, *, now: datetime) -> int:
    """Bill every coverage active in `coverage_month`; a second run for the same month adds nothing.

    Returns the number of invoices created. One INSERT ... SELECT, so a million coverages take
    seconds rather than the hours row-by-row ORM inserts would.
    """
    month = first_of_month(coverage_month)
    prefix = invoice_number_prefix(month, 0)
    source = select(
        (literal(prefix, String) + cast(Coverage.id, String)).label("invoice_number"),
        Coverage.account_id,
        Coverage.id,
        literal(month).label("coverage_month"),
        literal(0, Integer).label("revision"),
        Coverage.monthly_premium,
        literal(now, UTCDateTime).label("issued_at"),
        literal(due_at(month), UTCDateTime).label("due_at"),
    ).where(
        Coverage.start_month <= month,
        or_(Coverage.end_month.is_(None), Coverage.end_month >= month),
        Coverage.monthly_premium > 0,
    )
    insert = insert_for(uow.session)
    stmt = (
        insert(Invoice)
        .from_select(
            [
                "invoice_number",
                "account_id",
                "coverage_id",
                "coverage_month",
                "revision",
                "amount",
                "issued_at",
                "due_at",
            ],
            source,
        )
        .on_conflict_do_nothing(index_elements=["coverage_id", "coverage_month", "revision"])
    )
    if is_postgresql(uow.session):
        # psycopg reports no row count for this statement; count the inserted rows in SQL instead.
        inserted = stmt.returning(Invoice.id).cte("inserted")
        return uow.session.scalar(select(func.count()).select_from(inserted)) or 0
    return uow.session.connection().execute(stmt).rowcount


def next_coverage_month(today: date) -> date:
    return add_months(first_of_month(today), 1)


def revise_invoice(
    uow: UnitOfWork, invoice_number: str, *, new_amount: Decimal, now: datetime
) -> Invoice:
    """Issue a revised bill for the same coverage month: a new revision pointing back to the one it
    replaces, with the same due date. The earlier bill is never edited."""
    current = uow.session.scalars(
        select(Invoice).where(Invoice.invoice_number == invoice_number)
    ).one_or_none()
    if current is None:
        raise errors.InvoiceNotFound()
    latest = uow.session.scalar(
        select(func.max(Invoice.revision)).where(
            Invoice.coverage_id == current.coverage_id,
            Invoice.coverage_month == current.coverage_month,
        )
    )
    if latest != current.revision:
        raise errors.BillingError("That bill has already been replaced by a revised bill.")
    revision = current.revision + 1
    revised = Invoice(
        invoice_number=invoice_number_prefix(current.coverage_month, revision)
        + str(current.coverage_id),
        account_id=current.account_id,
        coverage_id=current.coverage_id,
        coverage_month=current.coverage_month,
        revision=revision,
        replaces_id=current.id,
        amount=new_amount,
        issued_at=now,
        due_at=current.due_at,
    )
    uow.session.add(revised)
    uow.session.flush()
    return revised


def end_coverage(
    uow: UnitOfWork,
    account_id: int,
    last_covered_day: date,
    *,
    now: datetime,
    coverage_ids: Collection[int] | None = None,
) -> int:
    """Coverage that ended (termination for nonpayment) stops being billed: the coverages named
    (every coverage of the account when none are) end with the month of `last_covered_day`, and
    their bills already issued for later months are revised to zero (new revisions; the
    originals stay). Safe to run again; returns how many bills were revised."""
    last_month = first_of_month(last_covered_day)
    stmt = select(Coverage).where(Coverage.account_id == account_id)
    if coverage_ids is not None:
        stmt = stmt.where(Coverage.id.in_(list(coverage_ids)))
    ended = set()
    for coverage in uow.session.scalars(stmt):
        ended.add(coverage.id)
        if coverage.end_month is None or coverage.end_month > last_month:
            coverage.end_month = last_month
    later = [
        invoice
        for invoice in current_invoices(uow.session, account_id)
        if invoice.coverage_id in ended
        and invoice.coverage_month > last_month
        and invoice.amount != 0
    ]
    for invoice in later:
        revise_invoice(uow, invoice.invoice_number, new_amount=Decimal("0.00"), now=now)
    return len(later)
