"""Review queue and analysts' labels: who labelled a row and when, and the stored prediction's uncertainty.

Revision ID: 0002_labels
Revises: 0001
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from cxtext.uncertainty import informativeness

revision: str = "0002_labels"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

_BATCH = 2000


def upgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.add_column(sa.Column("labelled_by", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("labelled_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("uncertainty", sa.Float(), nullable=True))
    op.create_index("ix_feedback_uncertainty", "feedback", ["uncertainty"])
    _backfill_uncertainty()


def _backfill_uncertainty() -> None:
    """Rows stored before this revision get the uncertainty of the prediction they already hold."""
    connection = op.get_bind()
    feedback = sa.table("feedback", sa.column("id"), sa.column("prediction"), sa.column("uncertainty"))
    after = 0
    while rows := connection.execute(
        sa.select(feedback.c.id, feedback.c.prediction)
        .where(feedback.c.id > after)
        .order_by(feedback.c.id)
        .limit(_BATCH)
    ).all():
        for row_id, prediction in rows:
            value = json.loads(prediction) if isinstance(prediction, str) else prediction
            connection.execute(
                sa.update(feedback)
                .where(feedback.c.id == row_id)
                .values(uncertainty=informativeness(value or {}))
            )
        after = rows[-1][0]


def downgrade() -> None:
    op.drop_index("ix_feedback_uncertainty", table_name="feedback")
    with op.batch_alter_table("feedback") as batch:
        batch.drop_column("uncertainty")
        batch.drop_column("labelled_at")
        batch.drop_column("labelled_by")
