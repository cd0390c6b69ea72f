"""Three months of AutoPay households, December 2026 to March 2027, through the real jobs: bill run,
Reg E planner, texts (Twilio faked at the network edge), letter batches, drafts and delinquency.
Each household's drafts, notices and standing are asserted, and every ledger balances to the cent.

- range:   elected notice only outside $0.01-$300.00; pays $100 of January's bill on Dec 21,
           draft day 23: the rest is drafted on the due date, no notice, never delinquent.
- moved:   texts; December's amount changes (notice Dec 1 for Dec 11), then moves the draft day
           from 5 to 18 on Dec 3: drafted on the 18th.
- letters: no texts; the notice goes by letter: the draft waits for the batch's release.
- paused:  pauses one draft on Dec 1 and pays January's bill itself; drafts resume in January.
- raised:  January's bill is raised after its draft: a second, noticed draft collects the rest.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from billing_core.autopay import change_autopay, pause_autopay
from billing_core.backoffice.delinquency_job import run_delinquency
from billing_core.backoffice.drafts import plan_rege_notices, run_drafts
from billing_core.backoffice.letters import build_letter_batch, release_letter_batch
from billing_core.backoffice.models import (
    AccountStanding,
    LetterBatch,
    MemberNotification,
    RegENotice,
)
from billing_core.bill_run import revise_invoice
from billing_core.ledger import current_invoices, outstanding
from billing_core.models import Account, Invoice, Payment
from ivr.letters import render_letter
from ivr.sms.notices import run_notices
from ivr.sms.reminder_settings import ReminderSettings
from tests.backoffice.helpers import bill, eastern, make_member, pay
from tests.backoffice.test_autopay_timing import authorization, drafts_of, set_last_draft
from tests.sms.conftest import RecordingTransport

D = Decimal


def _account_id(rt, number):
    with rt.uow() as uow:
        return uow.session.scalar(select(Account.id).where(Account.account_number == number))


def test_a_quarter_of_autopay_households_drafts_on_time_and_balances_to_the_cent(runtime, tmp_path):
    rt = runtime
    houses = {
        "range": make_member(rt, autopay_day=23, notice_range=("0.01", "300.00")),
        "moved": make_member(rt, autopay_day=5, premium="320.00", sms=True),
        "letters": make_member(rt, autopay_day=5, premium="320.00"),
        "paused": make_member(rt, autopay_day=10, premium="250.00"),
        "raised": make_member(rt, autopay_day=10, sms=True),
    }
    for name in ("range", "moved", "letters", "raised"):
        set_last_draft(rt, houses[name][0], "300.00")
    transport = RecordingTransport()
    batches = []
    day = date(2026, 12, 1)
    while day <= date(2027, 3, 2):
        if day.day == 1:
            bill(rt, date(day.year + day.month // 12, day.month % 12 + 1, 1))
        if day == date(2026, 12, 1):
            number = houses["paused"][0]
            with rt.uow() as uow:
                pause_autopay(
                    uow, number, authorization_id=authorization(rt, number, day), now=eastern(day)
                )
        plan_rege_notices(rt.uow, now=eastern(day, 6))
        run_drafts(rt.uow, now=eastern(day, 6))
        run_delinquency(rt.uow, now=eastern(day, 7))
        run_notices(rt, transport, settings=ReminderSettings(rate=0), now=eastern(day, 10))
        batch = build_letter_batch(
            rt.uow, now=eastern(day, 11), out_dir=tmp_path, render=render_letter
        )
        if batch.batch_id is not None:
            batches.append(batch)
            with rt.uow() as uow:  # the mail house picks the batch up in the afternoon
                release_letter_batch(uow, batch.batch_id, now=eastern(day, 16))
        if day == date(2026, 12, 3):
            number = houses["moved"][0]
            with rt.uow() as uow:
                change_autopay(
                    uow,
                    number,
                    authorization_id=authorization(rt, number, day),
                    draft_day=18,
                    now=eastern(day, 12),
                )
        if day == date(2026, 12, 15):
            with rt.uow() as uow:
                inv = uow.session.scalars(
                    select(Invoice).where(
                        Invoice.account_id == _account_id(rt, houses["raised"][0]),
                        Invoice.coverage_month == date(2027, 1, 1),
                    )
                ).one()
                revise_invoice(uow, inv.invoice_number, new_amount=D("340.00"), now=eastern(day))
        if day == date(2026, 12, 20):
            number, ref = houses["paused"]
            pay(rt, number, ref, "250.00", eastern(day, 11), "paused-self")
        if day == date(2026, 12, 21):
            number, ref = houses["range"]
            pay(rt, number, ref, "100.00", eastern(day, 11), "range-part")
        day += timedelta(days=1)

    assert drafts_of(rt, houses["range"][0]) == [
        (date(2026, 12, 23), D("200.00")),
        (date(2027, 1, 22), D("300.00")),  # the 23rd is a Saturday
        (date(2027, 2, 23), D("300.00")),
    ]
    assert drafts_of(rt, houses["moved"][0]) == [
        (date(2026, 12, 18), D("320.00")),
        (date(2027, 1, 15), D("320.00")),  # the 18th is Martin Luther King Day
        (date(2027, 2, 18), D("320.00")),
    ]
    assert drafts_of(rt, houses["letters"][0]) == [
        (date(2026, 12, 11), D("320.00")),  # the letter batch went out Dec 1: 10 days later
        (date(2027, 1, 5), D("320.00")),
        (date(2027, 2, 5), D("320.00")),
    ]
    assert drafts_of(rt, houses["paused"][0]) == [
        (date(2027, 1, 8), D("250.00")),  # the 10th is a Sunday; December's draft was paused
        (date(2027, 2, 10), D("250.00")),
    ]
    assert drafts_of(rt, houses["raised"][0]) == [
        (date(2026, 12, 10), D("300.00")),
        (date(2026, 12, 28), D("40.00")),  # the second draft, 10 days after its notice
        (date(2027, 1, 11), D("300.00")),  # differs from the $40 before it: noticed Jan 1
        (date(2027, 2, 10), D("300.00")),
    ]
    with rt.uow() as uow:
        s = uow.session
        notices = dict(
            s.execute(
                select(Account.account_number, func.count(RegENotice.id))
                .join(RegENotice, RegENotice.account_id == Account.id)
                .group_by(Account.account_number)
            ).all()
        )
        assert notices == {
            houses["moved"][0]: 1,
            houses["letters"][0]: 1,
            houses["raised"][0]: 2,
        }
        assert len(batches) == 1 and s.scalar(select(func.count(LetterBatch.id))) == 1
        sent = s.execute(
            select(Account.account_number, MemberNotification.kind, MemberNotification.channel)
            .join(Account, Account.id == MemberNotification.account_id)
            .where(MemberNotification.sent_at.is_not(None))
            .order_by(MemberNotification.id)
        ).all()
        moved, letters, raised = (houses[k][0] for k in ("moved", "letters", "raised"))
        assert sorted(sent) == sorted(
            [
                (moved, "rege_amount_change", "sms"),
                (moved, "autopay_written_copy", "sms"),  # the draft-day change was by phone
                (letters, "rege_amount_change", "mail"),
                (raised, "rege_amount_change", "sms"),  # the $40 second draft
                # Raised on Dec 15, after the Dec 13 cut-off: $40 is owed from the 24th to the
                # 28th, and the member is told so (never terminated). Covered since January 2026
                # (unbilled months are covered months), so it is the short grace to Dec 31, not
                # a binder's past-due warning.
                (raised, "grace_started", "sms"),
                (raised, "termination_warning", "sms"),
                (raised, "rege_amount_change", "sms"),  # $300 after the $40
            ]
        )
        assert len(transport.sent) == 6
        for number, _ in houses.values():
            acct = s.scalar(select(Account.id).where(Account.account_number == number))
            billed = sum((i.amount for i in current_invoices(s, acct)), D("0.00"))
            credited = s.scalar(
                select(func.coalesce(func.sum(Payment.amount), 0)).where(
                    Payment.account_id == acct, Payment.status != "returned"
                )
            )
            # Everything billed through March is paid; April's bill (issued Mar 1) is still open.
            april = sum(
                (i.amount for i in current_invoices(s, acct) if i.coverage_month.month == 4),
                D("0.00"),
            )
            assert billed - D(credited) == outstanding(s, acct) == april, number
            assert s.get(AccountStanding, acct).state == "current", number
