"""Storage for Pépites: SQLAlchemy 2 typed models, engine and sessions, repository functions, migrations.

The caller owns the session (``with sessions.begin() as session:``); repository functions take it and
never commit. Alembic migrations own the schema.
"""
