"""session series: sessions that recur, and the slot each generated session fills

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 18:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.storage.types

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('session_series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mesa_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('at_time', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('every_weeks', sa.Integer(), nullable=False),
    sa.Column('anchor_on', sa.Date(), nullable=False),
    sa.Column('created_at', bot.storage.types.UTCDateTime(), nullable=False),
    sa.Column('ended_at', bot.storage.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['mesa_id'], ['mesa.id'], name=op.f('fk_session_series_mesa_id_mesa')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_series'))
    )
    with op.batch_alter_table('session_series', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_series_mesa_id'), ['mesa_id'], unique=False)
    op.create_table('series_occurrence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=False),
    sa.Column('slot_on', sa.Date(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['series_id'], ['session_series.id'], name=op.f('fk_series_occurrence_series_id_session_series')),
    sa.ForeignKeyConstraint(['session_id'], ['mesa_session.id'], name=op.f('fk_series_occurrence_session_id_mesa_session')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_series_occurrence')),
    sa.UniqueConstraint('series_id', 'slot_on', name=op.f('uq_series_occurrence_series_id')),
    sa.UniqueConstraint('session_id', name=op.f('uq_series_occurrence_session_id'))
    )
    with op.batch_alter_table('series_occurrence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_series_occurrence_series_id'), ['series_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('series_occurrence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_series_occurrence_series_id'))
    op.drop_table('series_occurrence')
    with op.batch_alter_table('session_series', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_series_mesa_id'))
    op.drop_table('session_series')
