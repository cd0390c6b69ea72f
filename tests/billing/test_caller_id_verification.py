"""Caller ID + ZIP code: one answer for every failure, and guesses count against the account only."""

from datetime import date, timedelta

import pytest

from billing_core import errors
from billing_core.accounts import verify_caller
from billing_core.caller_id_verification import CallerIdNotMatched, verify_by_caller_id
from tests.billing.factories import make_account

PHONE = "+16175550199"  # verified on 1000000099 (ZIP 02108)


def refusal(runtime, phone, now, **answer) -> str:
    with runtime.uow() as uow, pytest.raises(CallerIdNotMatched) as refused:
        verify_by_caller_id(uow, phone, now=now, **answer)
    return f"{refused.value.code}: {refused.value}"


def test_a_caller_from_the_members_phone_is_verified_by_the_zip_code_or_birth_date(runtime, now):
    make_account(runtime, now=now)
    with runtime.uow() as uow:
        assert verify_by_caller_id(uow, PHONE, zip_code="02108", now=now).last4 == "0099"
        by_birth = verify_by_caller_id(uow, PHONE, date_of_birth=date(1980, 5, 17), now=now)
        assert by_birth.account_number == "1000000099"


def test_every_way_of_failing_gives_the_same_answer(runtime, now):
    make_account(runtime, now=now)
    make_account(runtime, "1000000098", phone="+16175550198", now=now)
    make_account(runtime, "1000000097", phone="+16175550198", now=now)  # a number on two accounts
    answers = {
        "a wrong ZIP on a member's number": refusal(runtime, PHONE, now, zip_code="02109"),
        "a number that is no member's": refusal(runtime, "+12025550143", now, zip_code="02108"),
        "caller ID withheld": refusal(runtime, None, now, zip_code="02108"),
        "a number on two accounts": refusal(runtime, "+16175550198", now, zip_code="02108"),
    }
    for i in range(2):  # lock 1000000099 (three wrong answers), then give the right one
        refusal(runtime, PHONE, now + timedelta(seconds=i + 1), zip_code="02110")
    answers["the right ZIP on a locked account"] = refusal(
        runtime, PHONE, now + timedelta(seconds=5), zip_code="02108"
    )
    assert len(set(answers.values())) == 1, answers


def test_wrong_answers_lock_the_account_but_never_the_phone_or_the_conversation(runtime, now):
    make_account(runtime, now=now)
    make_account(runtime, "1000000098", phone=None, now=now)
    for i in range(3):
        refusal(runtime, PHONE, now + timedelta(seconds=i), zip_code="02109", reference="voice:CA1")
    with runtime.uow() as uow:
        # The account is locked for everyone, the right answer included (guessing is capped) ...
        with pytest.raises(errors.VerificationLocked):
            verify_caller(uow, "1000000099", zip_code="02108", now=now + timedelta(minutes=1))
        # ... but the phone and the conversation carry on exactly as a stranger's would.
        summary = verify_caller(
            uow,
            "1000000098",
            zip_code="02108",
            phone=PHONE,
            reference="voice:CA1",
            now=now + timedelta(minutes=1),
        )
        assert summary.account_number == "1000000098"
    with runtime.uow() as uow:  # after the lock, the member's phone and ZIP work again
        later = now + timedelta(minutes=31)
        assert verify_by_caller_id(uow, PHONE, zip_code="02108", now=later).last4 == "0099"
