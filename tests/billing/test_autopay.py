"""AutoPay: status with the next draft, enroll, change, pause, resume and cancel with authorization."""

from datetime import date
from decimal import Decimal

import pytest

from billing_core import errors
from billing_core.autopay import (
    autopay_status,
    cancel_autopay,
    change_autopay,
    enroll_autopay,
    pause_autopay,
    resume_autopay,
)
from tests.billing.factories import bank_and_consent, bill, make_account


@pytest.fixture
def enrolled(runtime, now):
    number = make_account(runtime, premiums=("300.00",), now=now)
    bill(runtime, date(2026, 12, 1), date(2027, 1, 1))
    ref, auth_id = bank_and_consent(runtime, number, now=now, kind="autopay_enroll")
    with runtime.uow() as uow:
        enroll_autopay(
            uow, number, bank_method_reference=ref, draft_day=21, authorization_id=auth_id, now=now
        )
    return number, auth_id


def test_a_member_never_enrolled_has_no_autopay(runtime, now):
    number = make_account(runtime, now=now)
    with runtime.uow() as uow:
        status = autopay_status(uow, number, now=now)
    assert not status.enrolled and status.status is None


def test_enrolling_shows_the_next_draft_date_and_amount(runtime, enrolled, now):
    with runtime.uow() as uow:
        status = autopay_status(uow, enrolled[0], now=now)
    assert status.enrolled and status.status == "active"
    assert (status.draft_day, status.last4, status.bank_kind) == (21, "1012", "checking")
    # December's bill (due 23 November) is past; January's is drafted on 21 December.
    assert status.next_draft_date == date(2026, 12, 21)
    assert status.next_draft_amount == Decimal("300.00")


@pytest.mark.parametrize("day", [0, 24, 31, -1])
def test_a_draft_day_after_the_23rd_is_refused(runtime, now, day):
    number = make_account(runtime, now=now)
    ref, auth_id = bank_and_consent(runtime, number, now=now)
    with runtime.uow() as uow, pytest.raises(errors.InvalidDraftDay):
        enroll_autopay(
            uow, number, bank_method_reference=ref, draft_day=day, authorization_id=auth_id, now=now
        )


def test_enrolling_twice_is_refused(runtime, enrolled, now):
    number, auth_id = enrolled
    with runtime.uow() as uow, pytest.raises(errors.AutopayAlreadyEnrolled):
        enroll_autopay(
            uow,
            number,
            bank_method_reference="bm_x",
            draft_day=5,
            authorization_id=auth_id,
            now=now,
        )


def test_changing_the_draft_day_moves_the_next_draft(runtime, enrolled, now):
    number, auth_id = enrolled
    with runtime.uow() as uow:
        status = change_autopay(uow, number, authorization_id=auth_id, draft_day=5, now=now)
    assert status.draft_day == 5
    assert status.next_draft_date == date(
        2026, 12, 4
    )  # the 5th is a Saturday: the banking day before


def test_changing_the_bank_account_uses_the_new_one(runtime, enrolled, now):
    number, _ = enrolled
    ref, auth_id = bank_and_consent(runtime, number, now=now, kind="autopay_change")
    with runtime.uow() as uow:
        status = change_autopay(
            uow, number, authorization_id=auth_id, bank_method_reference=ref, now=now
        )
    assert status.status == "active"


def test_pause_resume_and_cancel(runtime, enrolled, now):
    number, auth_id = enrolled
    with runtime.uow() as uow:
        paused = pause_autopay(uow, number, authorization_id=auth_id, now=now)
    assert paused.status == "paused" and paused.next_draft_date is None
    with runtime.uow() as uow:
        assert resume_autopay(uow, number, authorization_id=auth_id, now=now).status == "active"
    with runtime.uow() as uow:
        cancelled = cancel_autopay(uow, number, authorization_id=auth_id, now=now)
    assert cancelled.status == "cancelled" and not cancelled.enrolled
    with runtime.uow() as uow, pytest.raises(errors.AutopayNotEnrolled):
        pause_autopay(uow, number, authorization_id=auth_id, now=now)


def test_autopay_changes_need_an_authorization_of_the_same_account(runtime, enrolled, now):
    number, _ = enrolled
    other = make_account(runtime, "1000000098", phone=None, now=now)
    _, foreign_auth = bank_and_consent(runtime, other, now=now)
    with runtime.uow() as uow, pytest.raises(errors.AuthorizationRequired):
        cancel_autopay(uow, number, authorization_id=foreign_auth, now=now)


def test_a_suspended_autopay_restarts_when_the_member_gives_a_new_bank_account(
    runtime, enrolled, now
):
    from billing_core.models import AutopayEnrollment

    number, _ = enrolled
    with runtime.uow() as uow:
        uow.session.query(AutopayEnrollment).update({"status": "suspended"})
    ref, auth_id = bank_and_consent(runtime, number, now=now, kind="autopay_change")
    with runtime.uow() as uow:
        status = change_autopay(
            uow, number, authorization_id=auth_id, bank_method_reference=ref, now=now
        )
    assert status.status == "active"


def test_a_suspended_autopay_can_be_cancelled(runtime, enrolled, now):
    from billing_core.models import AutopayEnrollment

    number, auth_id = enrolled
    with runtime.uow() as uow:
        uow.session.query(AutopayEnrollment).update({"status": "suspended"})
    with runtime.uow() as uow:
        assert cancel_autopay(uow, number, authorization_id=auth_id, now=now).status == "cancelled"


def test_autopay_set_up_by_phone_owes_the_member_a_written_copy(runtime, now):
    from billing_core.backoffice.models import MemberNotification

    number = make_account(runtime, now=now)
    ref, auth_id = bank_and_consent(runtime, number, now=now, kind="autopay_enroll")  # by voice
    with runtime.uow() as uow:
        enroll_autopay(
            uow, number, bank_method_reference=ref, draft_day=9, authorization_id=auth_id, now=now
        )
    with runtime.uow() as uow:
        copy = uow.session.query(MemberNotification).one()
    assert copy.kind == "autopay_written_copy" and copy.channel == "sms"  # the member opted in
    assert copy.params == {
        "draft_day": 9,
        "last4": "1012",
        "bank_kind": "checking",
        "authorized_date": "2026-11-29",
    }
