"""Alembic environment: migrate the connection the service hands over, or `DATABASE_URL` from the shell."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from api.db import Base
from api.settings import Settings

config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    url = config.attributes.get("url") or Settings.from_env().database_url
    with create_engine(url).connect() as fresh:
        _migrate(fresh)
        fresh.commit()


def _migrate(connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run()
