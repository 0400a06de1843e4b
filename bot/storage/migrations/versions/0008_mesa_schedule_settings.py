"""each mesa's schedule settings (/ajustes)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 18:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('mesa', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ping_hours', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False, server_default='48,24'))
        batch_op.add_column(sa.Column('agenda_hours', sa.Integer(), nullable=False, server_default='2'))
        batch_op.add_column(sa.Column('grace_days', sa.Integer(), nullable=False, server_default='7'))
        batch_op.add_column(sa.Column('day_starts', sa.Integer(), nullable=False, server_default='7'))
        batch_op.add_column(sa.Column('day_ends', sa.Integer(), nullable=False, server_default='21'))
    with op.batch_alter_table('mesa', schema=None) as batch_op:
        for column in ('ping_hours', 'agenda_hours', 'grace_days', 'day_starts', 'day_ends'):
            batch_op.alter_column(column, server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('mesa', schema=None) as batch_op:
        for column in ('day_ends', 'day_starts', 'grace_days', 'agenda_hours', 'ping_hours'):
            batch_op.drop_column(column)
