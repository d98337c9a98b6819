"""api keys: an optional expiry and the key that minted them; page sessions the server can end

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        # keys made before this release last until revoked and were minted by nobody known
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("minted_by", sa.String(length=40), nullable=True))
        batch_op.create_index(batch_op.f("ix_api_keys_minted_by"), ["minted_by"], unique=False)
    op.create_table(
        "page_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["key_id"], ["api_keys.id"], name=op.f("fk_page_sessions_key_id_api_keys")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_page_sessions")),
    )
    with op.batch_alter_table("page_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_page_sessions_key_id"), ["key_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("page_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_page_sessions_key_id"))
    op.drop_table("page_sessions")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_keys_minted_by"))
        batch_op.drop_column("minted_by")
        batch_op.drop_column("expires_at")
