"""Alembic migrations, run at start-up and by `steppe migrate`, alike on SQLite and PostgreSQL."""
