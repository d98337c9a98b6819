"""tenants: the per-job webhook secret a rotation replaced keeps signing beside the new one for the overlap

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("previous_webhook_secret", sa.String(200), nullable=True))
        batch_op.add_column(sa.Column("previous_webhook_secret_expires_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # never the batch's copy of the table on SQLite: dropping `tenants` to rename the copy fails on every row
    # that names a tenant (foreign keys are on); SQLite drops a column in place since 3.35
    with op.batch_alter_table("tenants", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("previous_webhook_secret_expires_at")
        batch_op.drop_column("previous_webhook_secret")
