"""Locating accounts and verifying callers, with the 3-tries-in-15-minutes lockout."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from billing_core import errors
from billing_core.accounts import (
    account_for_caller_id,
    locate_account,
    verify_caller,
    verify_caller_by_bill,
)
from billing_core.bill_run import revise_invoice
from tests.billing.factories import bill, make_account


def test_a_caller_with_the_right_zip_code_is_verified(runtime, now):
    make_account(runtime, now=now)
    with runtime.uow() as uow:
        summary = verify_caller(uow, "1000000099", zip_code="02108", now=now)
    assert summary.account_number == "1000000099"
    assert summary.last4 == "0099"


def test_a_caller_with_the_right_date_of_birth_is_verified(runtime, now):
    make_account(runtime, now=now)
    with runtime.uow() as uow:
        verify_caller(uow, "1000000099", date_of_birth=date(1980, 5, 17), now=now)


def test_a_wrong_zip_code_is_refused_and_says_how_many_tries_are_left(runtime, now):
    make_account(runtime, now=now)
    with runtime.uow() as uow, pytest.raises(errors.VerificationFailed) as failure:
        verify_caller(uow, "1000000099", zip_code="02109", now=now)
    assert failure.value.tries_left == 2


def test_three_failures_in_15_minutes_lock_the_account_even_with_the_right_answer(runtime, now):
    make_account(runtime, now=now)
    for minute in (0, 5):
        with runtime.uow() as uow, pytest.raises(errors.VerificationFailed):
            verify_caller(uow, "1000000099", zip_code="00000", now=now + timedelta(minutes=minute))
    with runtime.uow() as uow, pytest.raises(errors.VerificationLocked) as locked:
        verify_caller(uow, "1000000099", zip_code="00000", now=now + timedelta(minutes=10))
    assert locked.value.until == now + timedelta(minutes=25)
    with runtime.uow() as uow, pytest.raises(errors.VerificationLocked):
        verify_caller(uow, "1000000099", zip_code="02108", now=now + timedelta(minutes=20))
    with runtime.uow() as uow:
        verify_caller(uow, "1000000099", zip_code="02108", now=now + timedelta(minutes=26))


def test_failures_spread_over_more_than_15_minutes_do_not_lock(runtime, now):
    make_account(runtime, now=now)
    for minute in (0, 10, 20):
        with runtime.uow() as uow, pytest.raises(errors.VerificationFailed):
            verify_caller(uow, "1000000099", zip_code="00000", now=now + timedelta(minutes=minute))
    with runtime.uow() as uow:
        verify_caller(uow, "1000000099", zip_code="02108", now=now + timedelta(minutes=21))


def test_a_phone_that_failed_three_times_is_locked_for_other_accounts_too(runtime, now):
    make_account(runtime, "1000000099", now=now)
    make_account(runtime, "1000000098", phone=None, now=now)
    for minute in range(3):
        with runtime.uow() as uow, pytest.raises(errors.BillingError):
            verify_caller(
                uow,
                "1000000099",
                zip_code="99999",
                phone="+15555550000",
                now=now + timedelta(minutes=minute),
            )
    with runtime.uow() as uow, pytest.raises(errors.VerificationLocked):
        verify_caller(
            uow,
            "1000000098",
            zip_code="02108",
            phone="+15555550000",
            now=now + timedelta(minutes=4),
        )


def test_an_unknown_account_number_counts_as_a_failed_try(runtime, now):
    with runtime.uow() as uow, pytest.raises(errors.VerificationFailed):
        verify_caller(uow, "5555555555", zip_code="02108", now=now)


def test_an_account_is_found_by_its_number_or_by_a_bill_number_for_guest_payment(runtime, now):
    make_account(runtime, now=now)
    bill(runtime, date(2026, 12, 1))
    with runtime.uow() as uow:
        assert locate_account(uow, account_number="1000000099").name == "Test Member"
        found = locate_account(uow, invoice_number="20261201")
        assert found.account_number == "1000000099"
        with pytest.raises(errors.InvoiceNotFound):
            locate_account(uow, invoice_number="999")
        with pytest.raises(errors.AccountNotFound):
            locate_account(uow, account_number="1")


def test_caller_id_prefills_the_account_only_for_a_verified_number(runtime, now):
    make_account(runtime, now=now)
    with runtime.uow() as uow:
        assert account_for_caller_id(uow, "+16175550199") == "1000000099"
        assert account_for_caller_id(uow, "+16175550000") is None
        assert account_for_caller_id(uow, None) is None


def test_a_caller_with_a_bill_number_and_the_right_zip_code_is_verified(runtime, now):
    make_account(runtime, now=now)
    bill(runtime, date(2026, 12, 1))
    with runtime.uow() as uow:
        found = verify_caller_by_bill(uow, "2026 1201", zip_code="02108", now=now)
    assert found.account_number == "1000000099"


def test_a_revised_bill_number_still_locates_its_account(runtime, now):
    make_account(runtime, now=now)
    bill(runtime, date(2026, 12, 1))
    with runtime.uow() as uow:
        revised = revise_invoice(uow, "20261201", new_amount=Decimal("150.00"), now=now)
    with runtime.uow() as uow:
        assert locate_account(uow, invoice_number="20261201").account_number == "1000000099"
        found = verify_caller_by_bill(uow, revised.invoice_number, zip_code="02108", now=now)
    assert found.account_number == "1000000099"


def test_bill_number_tries_count_toward_the_same_lockout_as_the_account_number(runtime, now):
    make_account(runtime, now=now)
    bill(runtime, date(2026, 12, 1))
    for _ in range(2):
        with runtime.uow() as uow, pytest.raises(errors.VerificationFailed):
            verify_caller_by_bill(uow, "20261201", zip_code="99999", now=now)
    with runtime.uow() as uow, pytest.raises(errors.VerificationLocked):
        verify_caller(uow, "1000000099", zip_code="99999", now=now)


def test_an_unknown_bill_number_fails_like_a_wrong_zip_even_if_it_spells_an_account_number(
    runtime, now
):
    make_account(runtime, "2026120123", now=now)  # an account number shaped like a bill number
    with runtime.uow() as uow, pytest.raises(errors.VerificationFailed) as failed:
        verify_caller_by_bill(uow, "2026120123", zip_code="02108", now=now)
    assert failed.value.tries_left == 2
    with runtime.uow() as uow:  # the account's own tries are untouched
        assert verify_caller(uow, "2026120123", zip_code="02108", now=now).name == "Test Member"
