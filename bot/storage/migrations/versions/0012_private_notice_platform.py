"""private notices on one platform: a member's chosen and last-used platform, and the
platform an outbox message is addressed to

Revision ID: 0012_notice_platform
Revises: 0011_outbox_delivery_parts
Create Date: 2026-11-24 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0012_notice_platform'
down_revision: str | None = '0011_outbox_delivery_parts'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True))
        batch_op.add_column(sa.Column('last_platform', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True))
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('platform')
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.drop_column('last_platform')
        batch_op.drop_column('channel')
