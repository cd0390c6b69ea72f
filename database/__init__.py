"""The application's one database (SQLite or PostgreSQL): the tables billing_core declares and the
channels' own tables (ivr.voice.models, ivr.sms.models), and their one migration history.

Migrating is an application concern, not the billing core's: this package may import both the
billing core and the channels; nothing in billing_core imports it. `python -m database migrate`.
"""

from database.migrate import alembic_config, migrate

__all__ = ["alembic_config", "migrate"]
