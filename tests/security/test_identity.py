"""The conversation identity: only what verification issued, for that conversation, while it lasts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import identity
from tests.rasa.conftest import make_tracker, msg_ids

NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)


def tracker_with(value: str | None, sender: str = "web:abc", text: str = "hello"):
    return make_tracker(sender_id=sender, slots={"identity": value}, text=text)


def test_an_issued_identity_names_the_verified_account():
    value = identity.issue("web:abc", "1000000001", NOW)
    assert identity.verified_account(tracker_with(value), NOW) == "1000000001"


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda v: v.replace("1000000001", "1000000004", 1), "account edited"),
        (lambda v: v[:-1] + ("0" if v[-1] != "0" else "1"), "signature edited"),
        (lambda v: v.replace(".web.", ".voice.", 1), "channel edited"),
        (lambda v: "garbage", "not an identity"),
        (lambda v: None, "no identity"),
    ],
)
def test_an_edited_identity_is_worth_nothing(change, why):
    value = change(identity.issue("web:abc", "1000000001", NOW))
    assert identity.verified_account(tracker_with(value), NOW) is None, why


def test_an_identity_belongs_to_the_conversation_that_verified():
    value = identity.issue("web:abc", "1000000001", NOW)
    assert identity.verified_account(tracker_with(value, sender="web:other"), NOW) is None
    assert identity.verified_account(tracker_with(value, sender="sms:abc"), NOW) is None


def test_an_identity_expires():
    value = identity.issue("sms:abc", "1000000001", NOW)
    assert identity.verified_account(tracker_with(value, "sms:abc"), NOW + timedelta(minutes=29))
    assert (
        identity.verified_account(tracker_with(value, "sms:abc"), NOW + timedelta(minutes=31))
        is None
    )


def test_an_identity_signed_with_another_secret_is_worth_nothing(monkeypatch):
    value = identity.issue("web:abc", "1000000001", NOW)
    monkeypatch.setenv("ACTION_SERVER_SECRET", "a-rotated-secret-of-enough-length")
    assert identity.verified_account(tracker_with(value), NOW) is None


@pytest.mark.parametrize(
    "text",
    [
        "balance on 1000000004",
        "balance on 1000000.004",
        "balance on 10000 00004",
        "balance on 100-000-0004",
        "balance on １０００００００04",
        "balance on \u0661\u0660\u0660\u0660\u0660\u0660\u0660\u0660\u0660\u0664",  # Arabic-Indic
    ],
)
def test_another_account_named_however_written_is_refused(text):
    value = identity.issue("web:abc", "1000000001")
    dispatcher = CollectingDispatcher()
    acting = identity.acting_for(dispatcher, tracker_with(value, text=text))
    assert acting.account is None
    assert msg_ids(dispatcher) == ["other_account_refused"]


def test_the_verified_account_named_again_is_fine():
    value = identity.issue("web:abc", "1000000001")
    dispatcher = CollectingDispatcher()
    acting = identity.acting_for(dispatcher, tracker_with(value, text="balance for 1000000001"))
    assert acting.account == "1000000001" and msg_ids(dispatcher) == []


def test_without_an_identity_the_member_is_asked_to_verify_and_verified_is_reset():
    dispatcher = CollectingDispatcher()
    acting = identity.acting_for(
        dispatcher, make_tracker(slots={"verified": True, "identity": None}, text="balance")
    )
    assert acting.account is None
    assert msg_ids(dispatcher) == ["verification_required"]
    assert {"event": "slot", "name": "verified", "value": False, "timestamp": None} in [
        dict(e) for e in acting.events
    ]


def test_the_channel_is_the_sender_ids_namespace_never_a_claim():
    assert identity.channel_of("voice:CA1") == "voice"
    assert identity.channel_of("sms:ab12") == "sms"
    assert identity.channel_of("+16175550101") == "web"
    assert identity.channel_of("phone:CA1") == "web"
