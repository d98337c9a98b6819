"""brand kits: a tenant's default look and named others

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a tenant's default kit is made from its watermark settings on first use (api/brand_kit_store.py),
    # so no tenant's jobs change look with this migration
    op.create_table(
        "brand_kits",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("tenant_id", sa.String(40), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name="fk_brand_kits_tenant_id_tenants"),
        sa.PrimaryKeyConstraint("id", name="pk_brand_kits"),
        sa.UniqueConstraint("tenant_id", "name", name="uq_brand_kits_tenant_name"),
    )
    op.create_index("ix_brand_kits_tenant_id", "brand_kits", ["tenant_id"])


def downgrade() -> None:
    op.drop_index("ix_brand_kits_tenant_id", table_name="brand_kits")
    op.drop_table("brand_kits")
