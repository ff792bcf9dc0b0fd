"""The review queue: a score alone is no label, and the queue's order is one partial index.

Before this revision an item ingested with only a score stored the NPS category read from that score as
its labels, so a scored survey answer never entered the review queue (nor could an analyst label it
without overwriting). Those derived labels are cleared (the score keeps the category: the analysis and
training read it from there). The queue (unlabelled items, most uncertain first) and its `remaining`
count then read an index of the unlabelled items only, however many labelled ones the store holds.

Revision ID: 0004_review_queue
Revises: 0003_updated_at
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from cxtext.scores import nps_category_from_score

revision: str = "0004_review_queue"
down_revision: str | None = "0003_updated_at"
branch_labels: str | None = None
depends_on: str | None = None

_BATCH = 2000
UNLABELLED = sa.text("labels IS NULL")
QUEUE_INDEXES = {
    "ix_feedback_review_queue": ["uncertainty", "id"],
    "ix_feedback_review_queue_lang": ["lang", "uncertainty", "id"],  # the queue of one language
}


def upgrade() -> None:
    _clear_score_labels()
    for name, columns in QUEUE_INDEXES.items():
        op.create_index(name, "feedback", columns, sqlite_where=UNLABELLED, postgresql_where=UNLABELLED)


def _clear_score_labels() -> None:
    """Labels that are exactly the category the item's own score gives, on items no analyst labelled."""
    connection = op.get_bind()
    feedback = sa.table(
        "feedback",
        sa.column("id"),
        sa.column("labels"),
        sa.column("labelled_by"),
        sa.column("score"),
        sa.column("score_scale"),
    )
    after = 0
    while rows := connection.execute(
        sa.select(feedback.c.id, feedback.c.labels, feedback.c.score, feedback.c.score_scale)
        .where(
            feedback.c.id > after,
            feedback.c.score.is_not(None),
            feedback.c.labels.is_not(None),
            feedback.c.labelled_by.is_(None),
        )
        .order_by(feedback.c.id)
        .limit(_BATCH)
    ).all():
        derived = [
            row_id
            for row_id, labels, score, scale in rows
            if (json.loads(labels) if isinstance(labels, str) else labels)
            == {"nps_category": nps_category_from_score(score, scale)}
        ]
        if derived:
            connection.execute(sa.update(feedback).where(feedback.c.id.in_(derived)).values(labels=None))
        after = rows[-1][0]


def downgrade() -> None:
    for name in QUEUE_INDEXES:
        op.drop_index(name, table_name="feedback")
