"""one-time codes with which a member links their account on another platform

Revision ID: 0013_account_link_codes
Revises: 0012_notice_platform
Create Date: 2026-12-07 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.storage.types

revision: str = '0013_account_link_codes'
down_revision: str | None = '0012_notice_platform'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'account_link_code',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column('created_at', bot.storage.types.UTCDateTime(), nullable=False),
        sa.Column('expires_at', bot.storage.types.UTCDateTime(), nullable=False),
        sa.Column('used_at', bot.storage.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['member_id'], ['member.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code_hash'),
    )
    with op.batch_alter_table('account_link_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_link_code_member_id'), ['member_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('account_link_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_link_code_member_id'))
    op.drop_table('account_link_code')
