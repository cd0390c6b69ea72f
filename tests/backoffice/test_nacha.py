"""NACHA origination files: written from the day's debits, parsed back, every control re-checked."""

from __future__ import annotations

import stat
from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from billing_core.backoffice.drafts import run_drafts
from billing_core.backoffice.models import NachaEntry, NachaFile
from billing_core.backoffice.nacha import (
    Batch,
    Entry,
    NachaFormatError,
    Originator,
    build_file,
    entry_hash_of,
    parse_file,
    run_origination,
)
from billing_core.models import BankMethod, Payment
from tests.backoffice.helpers import bill, eastern, make_member, pay

JAN = date(2027, 1, 1)
CREATED = datetime(2026, 12, 4, 20, 0, tzinfo=UTC)


def test_a_days_debits_make_one_file_that_parses_back_with_every_control_right(runtime, ach_dir):
    members = [make_member(runtime, autopay_day=4) for _ in range(5)]
    members.append(make_member(runtime, autopay_day=4, kind="employer"))
    members.append(make_member(runtime, autopay_day=4, channel="voice"))
    one_time, ref = make_member(runtime)
    bill(runtime, JAN)
    pay(runtime, one_time, ref, "100.00", eastern(date(2026, 12, 3)), "once")
    run_drafts(runtime.uow, now=eastern(date(2026, 12, 4), 6))
    result = run_origination(runtime.uow, now=CREATED, file_date=date(2026, 12, 4), out_dir=ach_dir)
    text = result.path.read_text()
    parsed = parse_file(text)  # raises on any count, hash or total that disagrees

    with runtime.uow() as uow:
        payments = {p.id: p for p in uow.session.scalars(select(Payment))}
        links = {e.trace_number: e for e in uow.session.scalars(select(NachaEntry))}
        banks = {b.id: b for b in uow.session.scalars(select(BankMethod))}
        row = uow.session.scalars(select(NachaFile)).one()
        assert len(parsed.entries) == len(payments) == 8 == row.entry_count
        for e in parsed.entries:
            payment = payments[links[e.trace_number].payment_id]
            bank = banks[payment.bank_method_id]
            assert e.amount_cents == int(payment.amount * 100)
            assert e.routing_number == bank.routing_number
            assert e.account_number == runtime.cipher.decrypt(bank.account_number_encrypted)
            assert e.transaction_code == "27"
    assert {b.sec_code for b in parsed.batches} == {"WEB", "CCD", "TEL"}
    web_recurring = [
        b for b in parsed.batches if b.sec_code == "WEB" and b.entries[0].discretionary == "R"
    ]
    assert len(web_recurring[0].entries) == 5
    assert parsed.total_debit == sum(int(p.amount * 100) for p in payments.values())
    assert parsed.entry_hash == entry_hash_of(e.rdfi for e in parsed.entries)
    assert (row.entry_hash, row.batch_count) == (parsed.entry_hash, len(parsed.batches))
    assert parsed.line_count % 10 == 0 and all(len(x) == 94 for x in text.splitlines())
    assert stat.S_IMODE(result.path.stat().st_mode) == 0o600


def test_filing_again_the_same_day_originates_nothing_twice(runtime, ach_dir):
    make_member(runtime, autopay_day=4)
    bill(runtime, JAN)
    run_drafts(runtime.uow, now=eastern(date(2026, 12, 4), 6))
    first = run_origination(runtime.uow, now=CREATED, file_date=date(2026, 12, 4), out_dir=ach_dir)
    again = run_origination(runtime.uow, now=CREATED, file_date=date(2026, 12, 4), out_dir=ach_dir)
    assert (first.entries, again.entries, again.path) == (1, 0, None)


def test_the_file_record_keeps_no_account_number(runtime, ach_dir):
    make_member(runtime, autopay_day=4)
    bill(runtime, JAN)
    run_drafts(runtime.uow, now=eastern(date(2026, 12, 4), 6))
    result = run_origination(runtime.uow, now=CREATED, file_date=date(2026, 12, 4), out_dir=ach_dir)
    full = parse_file(result.path.read_text()).entries[0].account_number
    with runtime.uow() as uow:
        rows = [repr(r.__dict__) for r in uow.session.scalars(select(NachaFile))]
        rows += [repr(r.__dict__) for r in uow.session.scalars(select(NachaEntry))]
    assert not any(full in r for r in rows)
    assert full not in repr(parse_file(result.path.read_text()))


# --- property tests over random batches --------------------------------------------------------

ROUTINGS = ["021000021", "011000015", "111000025", "091000019", "026009593", "121000358"]

entries = st.builds(
    Entry,
    routing_number=st.sampled_from(ROUTINGS),
    account_token=st.text("0123456789", min_size=4, max_size=17).map(str.encode),
    account_kind=st.sampled_from(["checking", "savings"]),
    amount_cents=st.integers(1, 99_999_999),
    individual_id=st.text("0123456789", min_size=10, max_size=10),
    individual_name=st.text(min_size=0, max_size=40),
    trace_number=st.integers(0, 9_999_999).map(lambda n: f"02100002{n:07d}"),
    payment_type=st.sampled_from(["R", "S"]),
)
batches = st.builds(
    Batch,
    sec_code=st.sampled_from(["WEB", "TEL", "PPD", "CCD"]),
    description=st.sampled_from(["HC PREMIUM", "RETRY PYMT"]),
    effective_date=st.dates(date(2026, 1, 1), date(2030, 12, 31)),
    entries=st.lists(entries, min_size=1, max_size=30),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(batches, min_size=1, max_size=6))
def test_any_batches_parse_back_with_matching_counts_hashes_and_totals(batch_list):
    text = build_file(Originator(), batch_list, created_at=CREATED, decrypt=bytes.decode)
    parsed = parse_file(text)
    lines = text.splitlines()
    assert all(len(line) == 94 for line in lines) and len(lines) % 10 == 0
    assert parsed.block_count == len(lines) // 10
    assert parsed.batch_count == len(batch_list)
    flat = [e for b in batch_list for e in b.entries]
    assert parsed.entry_addenda_count == len(flat)
    assert parsed.total_debit == sum(e.amount_cents for e in flat)
    assert parsed.total_credit == 0
    assert parsed.entry_hash == sum(int(e.routing_number[:8]) for e in flat) % 10**10
    for b, pb in zip(batch_list, parsed.batches, strict=True):
        assert pb.entry_count == len(b.entries)
        assert pb.total_debit == sum(e.amount_cents for e in b.entries)
        assert pb.effective_date == b.effective_date and pb.sec_code == b.sec_code
        for e, pe in zip(b.entries, pb.entries, strict=True):
            assert pe.account_number == e.account_token.decode()
            assert pe.amount_cents == e.amount_cents and pe.trace_number == e.trace_number
            assert pe.discretionary == (e.payment_type if b.sec_code in ("WEB", "TEL") else "")


@settings(max_examples=100, deadline=None)
@given(
    st.lists(batches, min_size=1, max_size=3),
    st.sampled_from(["batch_count", "entry_count", "hash", "debit", "file_hash", "file_debit"]),
    st.integers(1, 9),
)
def test_a_control_field_off_by_anything_is_caught(batch_list, which, delta):
    lines = build_file(
        Originator(), batch_list, created_at=CREATED, decrypt=bytes.decode
    ).splitlines()
    field = {
        "batch_count": ("9", 1, 7),
        "entry_count": ("8", 4, 10),
        "hash": ("8", 10, 20),
        "debit": ("8", 20, 32),
        "file_hash": ("9", 21, 31),
        "file_debit": ("9", 31, 43),
    }[which]
    kind, start, end = field
    i = next(n for n, line in enumerate(lines) if line[0] == kind)
    value = int(lines[i][start:end])
    bad = str((value + delta) % 10 ** (end - start)).rjust(end - start, "0")
    lines[i] = lines[i][:start] + bad + lines[i][end:]
    with pytest.raises(NachaFormatError):
        parse_file("\n".join(lines) + "\n")


def test_the_entry_hash_keeps_the_rightmost_ten_digits():
    many = [
        Entry("121000358", b"1234", "checking", 1, "1", "A", f"02100002{n:07d}")
        for n in range(1000)
    ]
    text = build_file(
        Originator(),
        [Batch("PPD", "HC PREMIUM", date(2027, 1, 4), many)],
        created_at=CREATED,
        decrypt=bytes.decode,
    )
    parsed = parse_file(text)
    assert 12100035 * 1000 > 10**10
    assert parsed.entry_hash == (12100035 * 1000) % 10**10


def test_entries_never_show_the_account_number_in_their_repr():
    e = Entry("021000021", b"987654321012", "checking", 100, "1", "A", "021000020000001")
    assert "987654321012" not in repr(e)


def test_the_originating_banks_values_come_from_the_environment():
    originator = Originator.from_env(
        {"NACHA_IMMEDIATE_DESTINATION": "011000015", "NACHA_COMPANY_ID": "1234567890"}
    )
    assert (originator.immediate_destination, originator.company_id) == ("011000015", "1234567890")
    assert originator.company_name == Originator().company_name  # unset: the default
