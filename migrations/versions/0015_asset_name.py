"""assets: the file name an upload came with, so a person can tell a tenant's files apart in its list, and an
index that reads a tenant's assets newest first (GET /v1/assets)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name", sa.String(255), nullable=True))
        batch_op.create_index("ix_assets_tenant_id_id", ["tenant_id", "id"], unique=False)


def downgrade() -> None:
    # never the batch's copy of the table on SQLite (jobs' rows do not name assets by foreign key, but kits may
    # in future); SQLite drops a column in place since 3.35
    with op.batch_alter_table("assets", schema=None, recreate="never") as batch_op:
        batch_op.drop_index("ix_assets_tenant_id_id")
        batch_op.drop_column("name")
