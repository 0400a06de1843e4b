"""monthly series: a series on the Nth weekday of each month

Revision ID: 0010_monthly_series
Revises: 0008
Create Date: 2026-11-23 20:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010_monthly_series'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('session_series', schema=None) as batch_op:
        batch_op.add_column(sa.Column('week_of_month', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('session_series', schema=None) as batch_op:
        batch_op.drop_column('week_of_month')
