"""Storage: SQLModel tables, the async engine and transactions, Alembic migrations.

Storage stores; it knows no business rule and never commits on its own: the core
opens one transaction per use case with :meth:`Database.write`.
"""
