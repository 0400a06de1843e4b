"""entity per membership, pending requests, removal; conversation drafts

A person's entity moves from the member to each membership: joining or approval in one
mesa then changes nothing in another. Memberships waiting for approval (inactive ones)
get their request in ``pending_role``/``pending_entity_id``.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 17:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.storage.types

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.add_column(sa.Column('entity_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('pending_role', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))
        batch_op.add_column(sa.Column('pending_entity_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('removed_at', bot.storage.types.UTCDateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_membership_entity_id_entity'), 'entity', ['entity_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_membership_pending_entity_id_entity'), 'entity', ['pending_entity_id'], ['id'])
    op.execute(
        "UPDATE membership SET entity_id = "
        "(SELECT member.entity_id FROM member WHERE member.id = membership.member_id)"
    )
    op.execute(
        "UPDATE membership SET pending_role = role, pending_entity_id = entity_id "
        "WHERE active = false"
    )
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.drop_constraint('fk_member_entity_id_entity', type_='foreignkey')
        batch_op.drop_column('entity_id')
    op.create_table('conversation_draft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('chat_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('step', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('updated_at', bot.storage.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversation_draft')),
    sa.UniqueConstraint('platform', 'chat_id', 'user_id', name=op.f('uq_conversation_draft_platform'))
    )


def downgrade() -> None:
    op.drop_table('conversation_draft')
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('entity_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_member_entity_id_entity', 'entity', ['entity_id'], ['id'])
    op.execute(
        "UPDATE member SET entity_id = (SELECT MIN(membership.entity_id) FROM membership "
        "WHERE membership.member_id = member.id)"
    )
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_membership_pending_entity_id_entity'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_membership_entity_id_entity'), type_='foreignkey')
        batch_op.drop_column('removed_at')
        batch_op.drop_column('pending_entity_id')
        batch_op.drop_column('pending_role')
        batch_op.drop_column('entity_id')
