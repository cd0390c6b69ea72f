"""The audit trail: who did what to an account, through which channel. Every event is recorded here.

`detail` holds what the event needs to be read later (amounts, confirmation numbers, last 4
digits); never a bank account number, a ZIP code or a date of birth.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from billing_core.models import AuditEvent


def record(
    session: Session,
    action: str,
    *,
    at: datetime,
    account_id: int | None,
    channel: str,
    reference: str | None = None,
    detail: Mapping[str, object] | None = None,
) -> AuditEvent:
    """Add one audit event to the session's transaction (written with the change it records)."""
    event = AuditEvent(
        at=at,
        account_id=account_id,
        channel=channel,
        reference=reference,
        action=action,
        detail=dict(detail or {}),
    )
    session.add(event)
    return event
