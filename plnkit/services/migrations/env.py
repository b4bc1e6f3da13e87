"""Alembic's entry point for the course store's migrations (run by :func:`plnkit.services._migrate.upgrade`).

The caller passes an open SQLAlchemy connection, already inside the transaction that holds the database's write
lock, as ``config.attributes["connection"]``; nothing here reads a URL or an ini file.
"""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection)
with context.begin_transaction():
    context.run_migrations()
