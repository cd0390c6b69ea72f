"""Every table of the one database, from the packages that declare them: the billing core's and the
channels' own state (voice calls, the SMS ledgers, outcome events and the staff console). Migrations and the schema check compare against
this metadata; the billing core itself never loads the channels."""

from __future__ import annotations

from sqlalchemy import MetaData

import billing_core.backoffice.models
import billing_core.money_models
import ivr.ops.models
import ivr.outcomes.models
import ivr.sms.models
import ivr.voice.models
from billing_core.models import Base

MODEL_MODULES = (
    billing_core.money_models,
    billing_core.backoffice.models,
    ivr.voice.models,
    ivr.sms.models,
    ivr.outcomes.models,
    ivr.ops.models,
)


def all_metadata() -> MetaData:
    """The shared metadata, with every model module above loaded (importing them registers them)."""
    return Base.metadata
