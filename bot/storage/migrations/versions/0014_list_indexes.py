"""indexes for the matrix's and the agenda's lists, read by status

Revision ID: 0014_list_indexes
Revises: 0013_account_link_codes
Create Date: 2026-12-08 04:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0014_list_indexes'
down_revision: str | None = '0013_account_link_codes'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('bottleneck', schema=None) as batch_op:
        batch_op.create_index('ix_bottleneck_mesa_status', ['mesa_id', 'status'], unique=False)
    with op.batch_alter_table('action', schema=None) as batch_op:
        batch_op.create_index('ix_action_mesa_status_due', ['mesa_id', 'status', 'due_on'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('action', schema=None) as batch_op:
        batch_op.drop_index('ix_action_mesa_status_due')
    with op.batch_alter_table('bottleneck', schema=None) as batch_op:
        batch_op.drop_index('ix_bottleneck_mesa_status')
