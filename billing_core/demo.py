"""Demo accounts for `make run` and manual testing, dated relative to today so every story holds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select

from billing_core.bill_run import run_bill_run
from billing_core.billing_calendar import add_months, bill_run_issued_at, due_at, first_of_month
from billing_core.ledger import month_lines
from billing_core.models import (
    Account,
    Authorization,
    AutopayEnrollment,
    BankMethod,
    ContactPhone,
    Coverage,
    Enrollee,
    Payment,
)
from billing_core.unit_of_work import UnitOfWork

DEMO_ROUTING = "021000021"
DEMO_BANK_ACCOUNT = "000123456789"  # a made-up number; stored encrypted like any other


@dataclass(frozen=True)
class DemoMember:
    account_number: str
    name: str
    kind: str
    zip_code: str
    date_of_birth: date | None
    language: str
    phone: str
    story: str
    subsidized: bool
    plans: tuple[tuple[str, str, str, str], ...]  # (enrollee, line, plan, premium)
    unpaid_months: int = 1  # how many of the newest billed months are left unpaid
    autopay_day: int | None = None


DEMO_MEMBERS = (
    DemoMember(
        "1000000001",
        "Maria Silva",
        "household",
        "02108",
        date(1985, 4, 12),
        "en",
        "+16175550101",
        "current: owes only the next bill",
        False,
        (
            ("Maria Silva", "health", "Bronze Saver", "342.17"),
            ("Maria Silva", "dental", "Dental Basic", "28.50"),
        ),
    ),
    DemoMember(
        "1000000002",
        "Carlos Rivera",
        "household",
        "01840",
        date(1979, 11, 2),
        "es",
        "+19785550102",
        "Spanish-speaking, ConnectorCare, current",
        True,
        (
            ("Carlos Rivera", "health", "ConnectorCare Plan 2A", "50.00"),
            ("Ana Rivera", "health", "ConnectorCare Plan 2A", "50.00"),
        ),
    ),
    DemoMember(
        "1000000003",
        "James O'Brien",
        "household",
        "01103",
        date(1990, 7, 30),
        "en",
        "+14135550103",
        "past due, inside the 3-month APTC grace period",
        True,
        (("James O'Brien", "health", "Silver Choice (APTC)", "198.00"),),
        unpaid_months=3,
    ),
    DemoMember(
        "1000000004",
        "Linda Chen",
        "household",
        "02740",
        date(1968, 1, 15),
        "en",
        "+15085550104",
        "on AutoPay (draft day 21, checking ending 6789)",
        False,
        (("Linda Chen", "health", "Gold Plus", "512.40"),),
        autopay_day=21,
    ),
    DemoMember(
        "2000000001",
        "Cape Ann Bakery LLC",
        "employer",
        "01930",
        None,
        "en",
        "+19785550105",
        "small employer group paying for 3 employees",
        False,
        (
            ("Pat Doyle", "health", "Small Group Silver", "455.00"),
            ("Sam Lee", "health", "Small Group Silver", "455.00"),
            ("Jo Park", "dental", "Small Group Dental", "31.25"),
        ),
    ),
)


def upcoming_month(now: datetime) -> date:
    """The first coverage month whose due date is still ahead."""
    month = add_months(first_of_month(now.date()), 1)
    while due_at(month) <= now:
        month = add_months(month, 1)
    return month


def load_demo_data(uow: UnitOfWork, *, now: datetime) -> list[DemoMember]:
    """Create the demo accounts unless they exist; returns the members created."""
    session = uow.session
    target = upcoming_month(now)
    first_month = add_months(target, -4)
    created = []
    for member in DEMO_MEMBERS:
        if session.scalar(
            select(Account.id).where(Account.account_number == member.account_number)
        ):
            continue
        account = Account(
            account_number=member.account_number,
            kind=member.kind,
            name=member.name,
            zip_code=member.zip_code,
            date_of_birth=member.date_of_birth,
            language=member.language,
            paperless=member.language == "en",
            created_at=now,
        )
        session.add(account)
        session.flush()
        session.add(
            ContactPhone(account_id=account.id, number=member.phone, verified=True, sms_opt_in=True)
        )
        enrollees: dict[str, Enrollee] = {}
        for person, line, plan, premium in member.plans:
            if person not in enrollees:
                enrollees[person] = Enrollee(
                    account_id=account.id,
                    name=person,
                    date_of_birth=member.date_of_birth or date(1980, 1, 1),
                )
                session.add(enrollees[person])
                session.flush()
            session.add(
                Coverage(
                    enrollee_id=enrollees[person].id,
                    account_id=account.id,
                    line=line,
                    plan_name=plan,
                    monthly_premium=Decimal(premium),
                    subsidized=member.subsidized,
                    start_month=first_month,
                )
            )
        created.append(member)
    session.flush()

    month = first_month
    while month <= target:
        run_bill_run(uow, month, now=bill_run_issued_at(month))
        month = add_months(month, 1)

    for member in created:
        account = session.scalars(
            select(Account).where(Account.account_number == member.account_number)
        ).one()
        lines = month_lines(session, account.id)
        for n, line in enumerate(lines[: len(lines) - member.unpaid_months]):
            paid_at = due_at(line.coverage_month).replace(day=due_at(line.coverage_month).day - 5)
            session.add(
                Payment(
                    confirmation_number=f"9{account.id:04d}{n:05d}",
                    idempotency_key=f"demo-{member.account_number}-{n}",
                    account_id=account.id,
                    amount=line.billed,
                    method="check",
                    channel="mail",
                    status="settled",
                    sec_code=None,
                    effective_date=paid_at.date(),
                    created_at=paid_at,
                )
            )
        if member.autopay_day:
            _enroll_demo_autopay(uow, account, member.autopay_day, now)
    return created


def _enroll_demo_autopay(uow: UnitOfWork, account: Account, day: int, now: datetime) -> None:
    bank = BankMethod(
        reference=f"bm_demo_{account.account_number}",
        account_id=account.id,
        kind="checking",
        routing_number=DEMO_ROUTING,
        account_number_encrypted=uow.cipher.encrypt(DEMO_BANK_ACCOUNT),
        last4=DEMO_BANK_ACCOUNT[-4:],
        created_at=now,
    )
    auth = Authorization(
        account_id=account.id,
        kind="autopay_enroll",
        channel="paper",
        reference="demo-enrollment-form",
        script_version="paper-2026",
        script_text="Signed paper AutoPay enrollment form (demo data).",
        consent_input="signature",
        created_at=now,
    )
    uow.session.add_all([bank, auth])
    uow.session.flush()
    uow.session.add(
        AutopayEnrollment(
            account_id=account.id,
            bank_method_id=bank.id,
            draft_day=day,
            status="active",
            authorization_id=auth.id,
            updated_at=now,
        )
    )
