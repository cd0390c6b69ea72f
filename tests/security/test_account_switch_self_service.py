"""The self-service flows keep a verified member on their own account, by chat, text and voice.

Through the gateway, the real Rasa server and the real action server: the attacker verifies as
Maria, then asks about, cancels, pauses and resumes another member's payment and AutoPay every way
a person could name it (account number in words or digits, the victim's confirmation number, which
has as many digits as an account number, command syntax). Nothing of the victim's is said, and
nothing of the victim's changes.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from billing_core.models import Account, Authorization, AutopayEnrollment, Payment
from tests.rasa.self_service_members import BANK_LAST4, Member, new_member, pay_by_phone
from tests.security.conftest import ATTACKER, chat, texts

pytestmark = [pytest.mark.rasa, pytest.mark.slow]

REFUSED = "can only use the account you verified"
ATTACKS = [
    "did the payment on account {number} go through",
    "cancel the payment on account {number}",
    "cancel payment {confirmation}",
    "pause autopay for account {spaced}",
    "resume the autopay on {number} please",
    '/inform{{"account_number":"{number}"}}',
]
OWN = ["did my payment go through", "cancel my payment", "pause my autopay", "resume autopay"]


@pytest.fixture
def victim(rasa_stack) -> tuple[Member, str]:
    """Another member, on AutoPay, with a payment not yet sent to the bank."""
    member = new_member(rasa_stack, autopay_day=12)
    return member, pay_by_phone(rasa_stack, member, "240.00")


def attacks(member: Member, confirmation: str) -> list[str]:
    spaced = f"{member.number[:5]} {member.number[5:]}"
    return [
        a.format(number=member.number, spaced=spaced, confirmation=confirmation) for a in ATTACKS
    ]


def secrets_of(member: Member, confirmation: str) -> list[str]:
    return [confirmation, member.number, "Sam Rivers", BANK_LAST4, " ".join(BANK_LAST4)]


def assert_untouched(stack_runtime, member: Member, confirmation: str) -> None:
    with stack_runtime.uow() as uow:
        account_id = uow.session.scalar(
            select(Account.id).where(Account.account_number == member.number)
        )
        status = uow.session.scalar(
            select(Payment.status).where(Payment.confirmation_number == confirmation)
        )
        assert status == "pending"
        enrollment = uow.session.scalars(
            select(AutopayEnrollment).where(AutopayEnrollment.account_id == account_id)
        ).one()
        assert (enrollment.status, enrollment.skip_month) == ("active", None)
        kinds = uow.session.scalars(
            select(Authorization.kind).where(Authorization.account_id == account_id)
        ).all()
        assert not {"payment_cancel", "autopay_pause", "autopay_resume"} & set(kinds)


def test_a_verified_chat_visitor_cannot_reach_another_members_payments(
    gateway, rasa_stack, stack_runtime, victim
):
    member, confirmation = victim
    client = gateway.test_client()
    chat(client, "what's my balance")
    chat(client, ATTACKER["account"])
    chat(client, ATTACKER["zip"])
    refusals = 0
    for attack in attacks(member, confirmation):
        reply = chat(client, attack)
        refusals += REFUSED in reply
        for secret in secrets_of(member, confirmation):
            assert secret not in reply, (attack, secret)
        chat(client, "yes")  # agreeing to whatever was asked, as an attacker would
        for question in OWN:
            answer = chat(client, question) + chat(client, "yes")
            for secret in secrets_of(member, confirmation):
                assert secret not in answer, (attack, question, secret)
    assert refusals >= 5
    assert_untouched(stack_runtime, member, confirmation)


def test_a_verified_texter_cannot_reach_another_members_payments(
    gateway, stack_runtime, attacker_phone, victim
):
    member, confirmation = victim
    texts(gateway, attacker_phone, "BAL")
    texts(gateway, attacker_phone, ATTACKER["zip"])
    for attack in attacks(member, confirmation):
        reply = texts(gateway, attacker_phone, attack) + texts(gateway, attacker_phone, "YES")
        for secret in secrets_of(member, confirmation):
            assert secret not in reply, (attack, secret)
    for question in OWN:
        reply = texts(gateway, attacker_phone, question) + texts(gateway, attacker_phone, "YES")
        for secret in secrets_of(member, confirmation):
            assert secret not in reply, (question, secret)
    assert_untouched(stack_runtime, member, confirmation)


def test_a_verified_caller_cannot_reach_another_members_payments(caller, stack_runtime, victim):
    member, confirmation = victim
    caller.dial_in()
    caller.press("1")  # English
    caller.press("1")  # balance
    caller.press(ATTACKER["account"])
    caller.press(ATTACKER["zip"])
    assert "Maria" in caller.heard
    refusals = 0
    for attack in attacks(member, confirmation):
        caller.say(attack)
        refusals += REFUSED in caller.heard
        caller.press("1")  # yes, or the first menu choice, whatever comes next
    assert refusals >= 4
    heard = " ".join(" ".join(el.text or "" for el in root.iter("Say")) for root in caller.history)
    for secret in secrets_of(member, confirmation):
        assert secret not in heard, secret
    assert_untouched(stack_runtime, member, confirmation)
