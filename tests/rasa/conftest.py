"""Fixtures for the conversation engine's action tests: real trackers over a real demo database.

The real Rasa server and action server (`rasa_stack`) are started once per session by tests/conftest.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import billing, identity
from billing_core.demo import load_demo_data
from billing_core.runtime import BillingRuntime
from tests.conftest import make_runtime

REPO = Path(__file__).resolve().parents[2]
# Tuesday 1 December 2026, 10:00 AM Eastern: the call center is open.
OPEN_HOURS = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(OPEN_HOURS, tick=False) as traveller:
        yield traveller


@contextmanager
def demo_for_actions(
    sqlite_template: Path, tmp_path: Path, **settings: object
) -> Iterator[BillingRuntime]:
    """A fresh SQLite database with the demo accounts, used by the actions while in the block."""
    path = tmp_path / "billing.sqlite3"
    path.write_bytes(sqlite_template.read_bytes())
    rt = make_runtime(f"sqlite:///{path}", tmp_path, **settings)
    with rt.uow() as uow:
        load_demo_data(uow, now=datetime.now(UTC))
    billing.use_runtime(rt)
    try:
        yield rt
    finally:
        billing.use_runtime(None)
        rt.engine.dispose()


@pytest.fixture
def demo(
    sqlite_template: Path, tmp_path: Path, clock: time_machine.Traveller
) -> Iterator[BillingRuntime]:
    """The demo accounts, used by the actions under test."""
    with demo_for_actions(sqlite_template, tmp_path) as rt:
        yield rt


def make_tracker(
    *,
    slots: dict[str, Any] | None = None,
    text: str = "",
    intent: str | None = None,
    metadata: dict[str, Any] | None = None,
    events: list[dict[str, Any]] | None = None,
    active_loop: str | None = None,
    sender_id: str | None = None,
) -> Tracker:
    """A real rasa-sdk tracker as the action server receives it.

    The sender id lives in the metadata channel's namespace (as the gateway's signed channel makes
    it), and a conversation with `verified` and `account_number` slots carries the identity the
    verify action would have issued for that account."""
    channel = (metadata or {}).get("channel", "voice")
    sender_id = sender_id or f"{channel}:test-conversation"
    slots = dict(slots or {})
    if slots.get("verified") and slots.get("account_number") and "identity" not in slots:
        slots["identity"] = identity.issue(sender_id, slots["account_number"])
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0} if intent else {},
        "entities": [],
        "metadata": metadata or {"channel": "voice", "locale": "en"},
    }
    history = list(events or [])
    if not any(e.get("event") == "user" for e in history):
        history.append({"event": "user", "text": text, "timestamp": 1.0, "parse_data": latest})
    return Tracker(
        sender_id=sender_id,
        slots=slots,
        latest_message=latest,
        events=history,
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def payloads(dispatcher: CollectingDispatcher) -> list[dict[str, Any]]:
    return [m["custom"] for m in dispatcher.messages]


def msg_ids(dispatcher: CollectingDispatcher) -> list[str]:
    return [p["msg"] for p in payloads(dispatcher)]


def slot_events(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
