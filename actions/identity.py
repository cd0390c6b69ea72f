"""Who a conversation may act for: one identity, set only by verification, signed and bound to it.

Any slot can be written by whoever reaches Rasa, so the account an action reads or moves money on
is never taken from `account_number` (the verification form's input) or `verified`. The verify
action writes the `identity` slot: `<account>.<channel>.<expires>.<signature>`, the signature an
HMAC (key derived from ACTION_SERVER_SECRET, which only the action server and Rasa hold) over the
conversation's sender id, account, channel and expiry. A copy pasted into another conversation, an
edited account number or an expired identity is worth nothing: the member is asked to verify.
The channel is the sender id's namespace (`voice:`, `sms:`, `web:`), set by the gateway's signed
channel, never the message metadata.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import channel_of, say
from billing_core.billing_calendar import utcnow
from billing_core.secrets import secret
from billing_core.written_digits import digit_groups

IDENTITY_SLOT = "identity"
# How long one verification lasts: a call; a chat or a texting session.
LIFETIME = {"voice": timedelta(hours=2), "web": timedelta(minutes=30), "sms": timedelta(minutes=30)}
ACCOUNT_DIGITS = 10


@cache
def _key(action_secret: str) -> bytes:
    return hmac.new(action_secret.encode(), b"hc-conversation-identity-v1", hashlib.sha256).digest()


def _signature(sender_id: str, account: str, channel: str, expires: int) -> str:
    message = f"{sender_id}\n{account}\n{channel}\n{expires}".encode()
    return hmac.new(_key(secret("ACTION_SERVER_SECRET")), message, hashlib.sha256).hexdigest()


def issue(sender_id: str, account_number: str, now: datetime | None = None) -> str:
    """The identity value for a member who just verified `account_number` in this conversation."""
    channel = channel_of(sender_id)
    expires = int(((now or utcnow()) + LIFETIME[channel]).timestamp())
    return f"{account_number}.{channel}.{expires}.{_signature(sender_id, account_number, channel, expires)}"


def verified_account(tracker: Tracker, now: datetime | None = None) -> str | None:
    """The account this conversation verified, if its identity is genuine, its own and unexpired."""
    value = tracker.get_slot(IDENTITY_SLOT)
    if not isinstance(value, str) or value.count(".") != 3:
        return None
    account, channel, expires, signature = value.split(".")
    sender_id = tracker.sender_id
    if not (account.isdigit() and expires.isdigit()) or channel != channel_of(sender_id):
        return None
    expected = _signature(sender_id, account, channel, int(expires))
    if not hmac.compare_digest(signature, expected):
        return None
    if (now or utcnow()) >= datetime.fromtimestamp(int(expires), UTC):
        return None
    return account


def named_accounts(text: str) -> set[str]:
    """Account numbers a message names, however the digits were written or separated."""
    return {digits for digits in digit_groups(text) if len(digits) == ACCOUNT_DIGITS}


@dataclass
class Acting:
    """The outcome of `acting_for`: the account to use, or None and the events that reset."""

    account: str | None
    events: list[EventType] = field(default_factory=list)


def acting_for(dispatcher: CollectingDispatcher, tracker: Tracker) -> Acting:
    """The account an action may read or move money on; otherwise the member is told why.

    A message that names a different account is refused, never a silent switch: the member is
    told that this conversation stays with the account they verified."""
    account = verified_account(tracker)
    if account is None:
        say(dispatcher, "verification_required")
        return Acting(None, [SlotSet("verified", False), SlotSet(IDENTITY_SLOT, None)])
    message = tracker.latest_message or {}
    named = named_accounts(str(message.get("text") or ""))
    # An account_number entity that is no account number (a ZIP code keyed at the first question
    # of a call, billing_core.caller_id_verification) names no account.
    named |= {
        digits
        for e in message.get("entities") or []
        if e.get("entity") == "account_number"
        and len(digits := "".join(ch for ch in str(e.get("value")) if ch.isdigit()))
        == ACCOUNT_DIGITS
    }
    if named - {account}:
        say(dispatcher, "other_account_refused", account_last4=account[-4:])
        return Acting(None)
    return Acting(account)
