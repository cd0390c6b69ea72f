"""Guessing is stopped per source too: per conversation, per caller ID, per web client; and counted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from prometheus_client import REGISTRY

from billing_core import accounts, errors
from billing_core.demo import load_demo_data
from ivr.observability import count_bot_messages
from ivr.rasa_client import BotMessage

ACCOUNTS = ["1000000001", "1000000002", "1000000003", "1000000004", "2000000001"]


@pytest.fixture
def demo(runtime, now):
    with runtime.uow() as uow:
        load_demo_data(uow, now=now)
    return runtime


def fail(runtime, account: str, now, **source) -> type[Exception]:
    with runtime.uow() as uow:
        try:
            accounts.verify_caller(uow, account, zip_code="99999", now=now, **source)
        except (errors.VerificationFailed, errors.VerificationLocked) as exc:
            return type(exc)
    raise AssertionError("a wrong ZIP code verified")


def test_one_conversation_guessing_across_accounts_is_locked_after_three_failures(demo, now):
    results = [
        fail(demo, account, now + timedelta(seconds=i), reference="web:guesser")
        for i, account in enumerate(ACCOUNTS[:4])
    ]
    assert results == [errors.VerificationFailed] * 2 + [errors.VerificationLocked] * 2
    with demo.uow() as uow, pytest.raises(errors.VerificationLocked):
        # even the right answer for a fresh account, from that conversation
        accounts.verify_caller(
            uow,
            "2000000001",
            zip_code="01930",
            now=now + timedelta(minutes=1),
            reference="web:guesser",
        )
    with demo.uow() as uow:  # another conversation is not affected
        accounts.verify_caller(
            uow,
            "2000000001",
            zip_code="01930",
            now=now + timedelta(minutes=1),
            reference="web:other",
        )


def test_one_caller_id_guessing_across_accounts_is_locked(demo, now):
    results = [
        fail(
            demo,
            account,
            now + timedelta(seconds=i),
            phone="+12025550100",
            reference=f"voice:CA{i}",
        )
        for i, account in enumerate(ACCOUNTS[:4])
    ]
    assert results[-1] is errors.VerificationLocked


def test_one_web_client_is_locked_after_ten_failures_across_conversations(demo, now):
    results = [
        fail(
            demo,
            ACCOUNTS[i % len(ACCOUNTS)],
            now + timedelta(seconds=i),
            reference=f"web:session-{i}",  # a new chat session each time
            client="c0ffee",
        )
        for i in range(11)
    ]
    assert errors.VerificationLocked in results
    assert results.index(errors.VerificationLocked) >= 2  # not before a few honest mistakes
    with demo.uow() as uow, pytest.raises(errors.VerificationLocked):
        accounts.verify_caller(
            uow,
            "1000000001",
            zip_code="02108",
            now=now + timedelta(minutes=2),
            reference="web:fresh",
            client="c0ffee",
        )


def test_the_lock_lifts_after_fifteen_minutes(demo, now):
    for i, account in enumerate(ACCOUNTS[:3]):
        fail(demo, account, now + timedelta(seconds=i), reference="web:patient")
    later = now + timedelta(minutes=16)
    with demo.uow() as uow:
        accounts.verify_caller(
            uow, "1000000001", zip_code="02108", now=later, reference="web:patient"
        )


def test_verification_failures_are_counted_for_operators():
    def value(outcome: str) -> float:
        return (
            REGISTRY.get_sample_value(
                "ivr_verification_failures_total", {"channel": "web", "outcome": outcome}
            )
            or 0.0
        )

    before = value("failed"), value("locked"), value("other_account")
    count_bot_messages(
        "web",
        [
            BotMessage("error_verification_failed", {"tries_left": 2}),
            BotMessage("error_verification_locked", {}),
            BotMessage("other_account_refused", {"account_last4": "0001"}),
        ],
    )
    assert (value("failed"), value("locked"), value("other_account")) == tuple(
        b + 1 for b in before
    )
