"""outbox dedupe key: scheduled notices are queued once

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 18:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dedupe_key', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_outbox_message_dedupe_key'), ['dedupe_key'])


def downgrade() -> None:
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_outbox_message_dedupe_key'), type_='unique')
        batch_op.drop_column('dedupe_key')
