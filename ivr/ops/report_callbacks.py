"""The callbacks page: after-hours callback requests not yet called back (ivr/voice/callbacks.py).

Staff see when to call, the window, the language and why the caller wanted a person; the number
itself shows only its last 4 digits (staff call back from the list `python -m ivr.voice callbacks`
prints, which is where the full number is).
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime

from sqlalchemy import Engine, select

from ivr.ops.charts import bar_chart
from ivr.ops.periods import Period
from ivr.ops.report import Cell, Section, Table
from ivr.voice.models import CallbackRequest


def waiting(engine: Engine, _period: Period, _now: datetime) -> list[Section]:
    with engine.connect() as conn:
        pending = conn.execute(
            select(CallbackRequest)
            .where(CallbackRequest.status == "pending")
            .order_by(CallbackRequest.callback_on, CallbackRequest.window, CallbackRequest.id)
        ).all()
    rows: list[list[Cell]] = []
    for r in pending:
        context = json.loads(r.context or "{}")
        rows.append(
            [
                r.callback_on.isoformat(),
                r.window,
                r.locale,
                "…" + str(r.phone)[-4:],
                "yes" if context.get("account_last4") else "no",
                context.get("reason") or "—",
                ", ".join(context.get("asked") or []) or "—",
            ]
        )
    per_day = Counter(str(row[0]) for row in rows)
    return [
        Section(
            "Callbacks waiting, by day to call",
            bar_chart("Callbacks waiting", sorted(per_day.items())),
            Table(
                "callbacks",
                "After-hours callback requests not yet called back, in calling order",
                ["Call on", "Window", "Language", "Phone", "Verified", "Reason", "Asked about"],
                rows,
            ),
        )
    ]
