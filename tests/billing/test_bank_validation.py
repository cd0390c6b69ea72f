"""Routing checksum, account-number shape and amount rules, before any database work."""

from decimal import Decimal

import pytest

from billing_core import errors
from billing_core.payment_methods import validate_bank_account_number, validate_routing_number
from billing_core.payments import parse_amount


@pytest.mark.parametrize("routing", ["021000021", "111000025", "011000015", " 021000021 "])
def test_valid_routing_numbers_are_accepted(routing):
    assert validate_routing_number(routing) == routing.strip()


@pytest.mark.parametrize("routing", ["021000022", "123456789", "12345678", "0210000210", "", "abc"])
def test_routing_numbers_failing_the_aba_checksum_or_length_are_refused(routing):
    with pytest.raises(errors.InvalidRoutingNumber):
        validate_routing_number(routing)


@pytest.mark.parametrize("number", ["1234", "12345678901234567", "000123456789"])
def test_bank_account_numbers_of_4_to_17_digits_are_accepted(number):
    assert validate_bank_account_number(number) == number


@pytest.mark.parametrize("number", ["123", "123456789012345678", "12a4", "12-34", ""])
def test_bank_account_numbers_outside_4_to_17_digits_are_refused(number):
    with pytest.raises(errors.InvalidBankAccountNumber):
        validate_bank_account_number(number)


def test_amounts_are_decimals_with_cents():
    assert parse_amount("198.50") == Decimal("198.50")


@pytest.mark.parametrize("amount", ["0", "-5", "1.005", "NaN", "Infinity", "ten"])
def test_zero_negative_fractional_cent_and_garbage_amounts_are_refused(amount):
    with pytest.raises(errors.InvalidAmount):
        parse_amount(amount)


def test_refusals_carry_a_message_safe_to_say_to_a_member():
    err = errors.InvalidRoutingNumber()
    assert err.code == "invalid_routing_number"
    assert "routing number" in str(err)
