"""jobs: an optional title (the jobs list shows it instead of the id)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06

Numbered after the templates (0008) and brand kits (0009) migrations of the same
issue; it revises 0009 (brand kits, on main); templates' 0008 is chained before 0009 when it merges.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("title", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_column("title")
