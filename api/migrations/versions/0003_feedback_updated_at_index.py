"""An index on feedback.updated_at: the analysis snapshot asks for the latest update before every answer.

Revision ID: 0003_updated_at
Revises: 0002_labels
"""

from __future__ import annotations

from alembic import op

revision: str = "0003_updated_at"
down_revision: str | None = "0002_labels"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_index("ix_feedback_updated_at", "feedback", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_feedback_updated_at", table_name="feedback")
