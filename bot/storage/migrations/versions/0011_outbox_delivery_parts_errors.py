"""outbox delivery: accepted parts and unexpected errors, for retries that resume

Revision ID: 0011_outbox_delivery_parts
Revises: 0010_monthly_series
Create Date: 2026-11-23 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011_outbox_delivery_parts'
down_revision: str | None = '0010_monthly_series'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('outbox_delivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('errors', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('parts', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('outbox_delivery', schema=None) as batch_op:
        for column in ('errors', 'parts'):
            batch_op.alter_column(column, server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('outbox_delivery', schema=None) as batch_op:
        for column in ('parts', 'errors'):
            batch_op.drop_column(column)
