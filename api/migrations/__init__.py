"""Alembic migrations of the feedback store (`api/alembic.ini`)."""
