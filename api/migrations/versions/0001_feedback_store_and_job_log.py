"""Feedback store and job log.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "feedback",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_redacted", sa.Boolean(), nullable=False),
        sa.Column("lang", sa.String(length=16), nullable=False),
        sa.Column("lang_given", sa.Boolean(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("score_scale", sa.String(length=16), nullable=True),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("labels", sa.JSON(), nullable=True),
        sa.Column("sentiment", sa.String(length=16), nullable=True),
        sa.Column("nps_category", sa.String(length=16), nullable=True),
        sa.Column("prediction", sa.JSON(), nullable=False),
        sa.Column("model_version", sa.String(length=100), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("external_id"),
    )
    for column in ("date", "lang", "model_version", "sentiment"):
        op.create_index(f"ix_feedback_{column}", "feedback", [column])
    op.create_table(
        "feedback_segment",
        sa.Column("feedback_id", _ID, nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["feedback_id"], ["feedback.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("feedback_id", "key"),
    )
    op.create_index("ix_feedback_segment_key_value", "feedback_segment", ["key", "value"])
    op.create_table(
        "job",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("progress", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_job_status", "job", ["status"])


def downgrade() -> None:
    op.drop_table("job")
    op.drop_table("feedback_segment")
    op.drop_table("feedback")
