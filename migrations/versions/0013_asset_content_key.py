"""assets: the same bytes uploaded again for the same purpose are the tenant's existing asset

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_assets = sa.table(
    "assets",
    sa.column("id", sa.String),
    sa.column("tenant_id", sa.String),
    sa.column("purpose", sa.String),
    sa.column("sha256", sa.String),
    sa.column("content_key", sa.String),
)


def upgrade() -> None:
    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("content_key", sa.String(100), nullable=True))
    # the first stored of each tenant's copies of the same bytes for the same purpose (ids grow with time) takes the
    # key, domain.models.asset_content_key as it is today; later copies, each perhaps named by jobs, keep no key
    first = sa.select(sa.func.min(_assets.c.id)).group_by(_assets.c.tenant_id, _assets.c.purpose, _assets.c.sha256)
    op.get_bind().execute(
        sa.update(_assets)
        .where(_assets.c.id.in_(first))
        .values(content_key=_assets.c.purpose + sa.literal(":") + _assets.c.sha256)
    )
    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_assets_tenant_content_key", ["tenant_id", "content_key"])


def downgrade() -> None:
    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.drop_constraint("uq_assets_tenant_content_key", type_="unique")
        batch_op.drop_column("content_key")
