"""Every module that declares tables on the shared metadata, so migrations and checks see them all.

Channel state tables (voice calls, SMS ledger) live beside their channels but share one database
and one migration history with the billing core.
"""

from __future__ import annotations

import importlib

from sqlalchemy import MetaData

from billing_core.models import Base

MODEL_MODULES = (
    "billing_core.models",
    "billing_core.money_models",
    "billing_core.backoffice.models",
    "ivr.voice.models",
    "ivr.sms.models",
    "ivr.outcomes.models",
    "ivr.ops.models",
)


def all_metadata() -> MetaData:
    for name in MODEL_MODULES:
        importlib.import_module(name)
    return Base.metadata
