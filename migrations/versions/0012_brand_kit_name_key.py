"""brand kits: a tenant's kit names are unique ignoring case and surrounding spaces

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-09
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_kits = sa.table(
    "brand_kits",
    sa.column("id", sa.String),
    sa.column("tenant_id", sa.String),
    sa.column("name", sa.String),
    sa.column("name_key", sa.String),
)


def upgrade() -> None:
    with op.batch_alter_table("brand_kits", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_key", sa.String(300), nullable=True))
    connection = op.get_bind()
    taken: set[tuple[str, str]] = set()
    rows = connection.execute(sa.select(_kits.c.id, _kits.c.tenant_id, _kits.c.name).order_by(_kits.c.id)).all()
    for kit_id, tenant_id, name in rows:
        # domain.brand_kits.brand_kit_name_key, as it is today; kits named alike before this migration (the older
        # keeps the name) keep their names and get a key of their own: the next save of the newer one is refused
        # brand_kit_name_taken until it is renamed
        key = name.strip().casefold()
        if (tenant_id, key) in taken:
            key = f"{key} ({kit_id})"
        taken.add((tenant_id, key))
        connection.execute(sa.update(_kits).where(_kits.c.id == kit_id).values(name_key=key))
    with op.batch_alter_table("brand_kits", schema=None) as batch_op:
        batch_op.alter_column("name_key", existing_type=sa.String(300), nullable=False)
        batch_op.drop_constraint("uq_brand_kits_tenant_name", type_="unique")
        batch_op.create_unique_constraint("uq_brand_kits_tenant_name_key", ["tenant_id", "name_key"])


def downgrade() -> None:
    # no two kits of a tenant share a name_key, so none share a name: the old constraint holds
    with op.batch_alter_table("brand_kits", schema=None) as batch_op:
        batch_op.drop_constraint("uq_brand_kits_tenant_name_key", type_="unique")
        batch_op.create_unique_constraint("uq_brand_kits_tenant_name", ["tenant_id", "name"])
        batch_op.drop_column("name_key")
