"""Tables of the feedback store and the job log (SQLAlchemy 2), engines, and migration at start-up.

SQLite is the embedded default, PostgreSQL the production choice; the schema uses only portable types
(segments live in their own table rather than in a JSON column, so filtering is plain indexed SQL on
both). The schema is owned by Alembic (`api/migrations`): `migrate` runs `upgrade head` under a lock,
because two server workers starting together must not both create the tables.
"""

from __future__ import annotations

import datetime as dt
import fcntl
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    create_engine,
    event,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

ALEMBIC_INI = Path(__file__).resolve().parent / "alembic.ini"
# SQLite only autoincrements INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit id.
_ID = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    pass


class Feedback(Base):
    """One piece of customer feedback, its (redacted) text, gold labels if given, and predictions."""

    __tablename__ = "feedback"
    # The review queue: unlabelled items, most uncertain first, of every language or of one (migration 0004).
    __table_args__ = (
        Index(
            "ix_feedback_review_queue",
            "uncertainty",
            "id",
            sqlite_where=text("labels IS NULL"),
            postgresql_where=text("labels IS NULL"),
        ),
        Index(
            "ix_feedback_review_queue_lang",
            "lang",
            "uncertainty",
            "id",
            sqlite_where=text("labels IS NULL"),
            postgresql_where=text("labels IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    external_id: Mapped[str] = mapped_column(String(200), unique=True)
    text: Mapped[str] = mapped_column(Text)
    text_redacted: Mapped[bool] = mapped_column(Boolean)
    lang: Mapped[str] = mapped_column(String(16), index=True)
    lang_given: Mapped[bool] = mapped_column(Boolean)
    score: Mapped[float | None] = mapped_column(Float)
    score_scale: Mapped[str | None] = mapped_column(String(16))
    date: Mapped[dt.date | None] = mapped_column(Date, index=True)
    labels: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))  # SQL NULL: "labelled" filters
    labelled_by: Mapped[str | None] = mapped_column(String(100))  # the analyst's key name; NULL: ingested
    labelled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    sentiment: Mapped[str | None] = mapped_column(String(16), index=True)
    nps_category: Mapped[str | None] = mapped_column(String(16))
    prediction: Mapped[dict] = mapped_column(JSON)
    model_version: Mapped[str] = mapped_column(String(100), index=True)
    uncertainty: Mapped[float | None] = mapped_column(Float, index=True)  # of `prediction`: the queue's rank
    content_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)

    segments: Mapped[list[FeedbackSegment]] = relationship(
        back_populates="feedback",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="FeedbackSegment.key",
    )


class FeedbackSegment(Base):
    """A dashboard dimension of one feedback item (`channel=app`, `region=Tehran`)."""

    __tablename__ = "feedback_segment"
    __table_args__ = (Index("ix_feedback_segment_key_value", "key", "value"),)

    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))

    feedback: Mapped[Feedback] = relationship(back_populates="segments")


class Job(Base):
    """A background job (training, re-scoring): its state outlives the process that ran it."""

    __tablename__ = "job"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    params: Mapped[dict] = mapped_column(JSON)
    progress: Mapped[dict] = mapped_column(JSON)
    result: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    error: Mapped[str | None] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


def make_engine(url: str) -> Engine:
    """An engine with the settings each backend needs for several threads and processes at once.

    `hide_parameters`: a failed statement's message (and so the error log) never carries the values
    bound to it, which are customers' words, ids and segments.
    """
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record) -> None:  # WAL: readers never wait for the writer
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10, hide_parameters=True)


def alembic_config(url: str) -> Config:
    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(ALEMBIC_INI.parent / "migrations"))
    config.attributes["url"] = url
    return config


def migrate(engine: Engine) -> None:
    """`alembic upgrade head`, once at a time per database (advisory lock on PostgreSQL, file lock on SQLite)."""
    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(738201)"))
            try:
                _upgrade(url, connection)
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(738201)"))
                connection.commit()
        return
    database = engine.url.database
    if not database or database == ":memory:":  # private to this process: nobody to wait for
        with engine.connect() as connection:
            _upgrade(url, connection)
        return
    # Beside the database file, so it goes where the database goes (a temporary directory's lock files
    # would pile up, one per database ever opened).
    with open(Path(database).with_name(Path(database).name + ".migrate-lock"), "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            with engine.connect() as connection:
                _upgrade(url, connection)
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _upgrade(url: str, connection) -> None:
    config = alembic_config(url)
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
    connection.commit()
