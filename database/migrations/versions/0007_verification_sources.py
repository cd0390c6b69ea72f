"""Where each verification try came from (conversation, web client), for per-source lockout

Revision ID: 0007_verification_sources
Revises: 0006_tokenized
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_verification_sources"
down_revision: str | None = "0006_tokenized"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("verification_attempts") as batch:
        batch.add_column(sa.Column("session_ref", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("client_ref", sa.String(length=64), nullable=True))
        batch.create_index(
            batch.f("ix_verification_attempts_session_ref"), ["session_ref"], unique=False
        )
        batch.create_index(
            batch.f("ix_verification_attempts_client_ref"), ["client_ref"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("verification_attempts") as batch:
        batch.drop_index(batch.f("ix_verification_attempts_client_ref"))
        batch.drop_index(batch.f("ix_verification_attempts_session_ref"))
        batch.drop_column("client_ref")
        batch.drop_column("session_ref")
