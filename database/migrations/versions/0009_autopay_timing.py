"""AutoPay timing: first drafted month, one-draft pause, Reg E election and sent-notice gating, letters

Revision ID: 0009_autopay_timing
Revises: 0008_credits_imports
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import billing_core.types

revision: str = "0009_autopay_timing"
down_revision: str | None = "0008_credits_imports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _backfill_first_month() -> None:
    """Existing enrollments start where the old rule started them: the month whose draft date
    came after the enrollment's last change."""
    from billing_core.autopay_schedule import first_drafted_month
    from billing_core.billing_calendar import eastern_date

    t = sa.table(
        "autopay_enrollments",
        sa.column("id", sa.Integer()),
        sa.column("draft_day", sa.Integer()),
        sa.column("updated_at", billing_core.types.UTCDateTime()),
        sa.column("first_month", sa.Date()),
    )
    conn = op.get_bind()
    for row_id, draft_day, updated_at in conn.execute(
        sa.select(t.c.id, t.c.draft_day, t.c.updated_at)
    ).all():
        month = first_drafted_month(eastern_date(updated_at), int(draft_day))
        conn.execute(t.update().where(t.c.id == row_id).values(first_month=month))


def upgrade() -> None:
    with op.batch_alter_table("autopay_enrollments") as batch:
        batch.add_column(sa.Column("first_month", sa.Date(), nullable=True))
        batch.add_column(sa.Column("skip_month", sa.Date(), nullable=True))
    _backfill_first_month()
    with op.batch_alter_table("rege_preferences") as batch:
        batch.add_column(sa.Column("authorization_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("elected_at", billing_core.types.UTCDateTime(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_rege_preferences_authorization_id_authorizations"),
            "authorizations",
            ["authorization_id"],
            ["id"],
        )
    with op.batch_alter_table("rege_notices") as batch:
        batch.add_column(sa.Column("sequence", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("notification_key", sa.String(length=120), nullable=True))
        batch.drop_constraint(op.f("uq_rege_notices_account_id"), type_="unique")
        batch.create_unique_constraint(
            op.f("uq_rege_notices_account_id"),
            ["account_id", "coverage_month", "sequence", "amount"],
        )
        batch.create_index(op.f("ix_rege_notices_notification_key"), ["notification_key"])
    with op.batch_alter_table("rege_notices") as batch:
        batch.alter_column("sequence", server_default=None, existing_type=sa.Integer())
    # Notices recorded before this revision were keyed the same way by the planner.
    op.execute(
        "UPDATE rege_notices SET notification_key = 'rege:' || CAST(account_id AS VARCHAR) || ':' "
        "|| SUBSTR(CAST(coverage_month AS VARCHAR), 1, 7) || ':' "
        "|| CAST(amount AS VARCHAR)"
    )
    op.create_table(
        "letter_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_date", sa.Date(), nullable=False),
        sa.Column("directory", sa.String(length=200), nullable=False),
        sa.Column("letters", sa.Integer(), nullable=False),
        sa.Column("manifest_sha256", sa.String(length=64), nullable=True),
        sa.Column("created_at", billing_core.types.UTCDateTime(), nullable=False),
        sa.Column("released_at", billing_core.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letter_batches")),
    )
    op.create_table(
        "notice_letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=80), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["letter_batches.id"],
            name=op.f("fk_notice_letters_batch_id_letter_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["member_notifications.id"],
            name=op.f("fk_notice_letters_notification_id_member_notifications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_letters")),
        sa.UniqueConstraint("notification_id", name=op.f("uq_notice_letters_notification_id")),
    )
    op.create_index(op.f("ix_notice_letters_batch_id"), "notice_letters", ["batch_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_notice_letters_batch_id"), table_name="notice_letters")
    op.drop_table("notice_letters")
    op.drop_table("letter_batches")
    with op.batch_alter_table("rege_notices") as batch:
        batch.drop_index(op.f("ix_rege_notices_notification_key"))
        batch.drop_constraint(op.f("uq_rege_notices_account_id"), type_="unique")
        batch.create_unique_constraint(
            op.f("uq_rege_notices_account_id"), ["account_id", "coverage_month", "amount"]
        )
        batch.drop_column("notification_key")
        batch.drop_column("sequence")
    with op.batch_alter_table("rege_preferences") as batch:
        batch.drop_constraint(
            op.f("fk_rege_preferences_authorization_id_authorizations"), type_="foreignkey"
        )
        batch.drop_column("elected_at")
        batch.drop_column("authorization_id")
    with op.batch_alter_table("autopay_enrollments") as batch:
        batch.drop_column("skip_month")
        batch.drop_column("first_month")
