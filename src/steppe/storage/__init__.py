"""Persistence: the only package that writes SQL (SQLAlchemy Core on SQLite or PostgreSQL)."""
