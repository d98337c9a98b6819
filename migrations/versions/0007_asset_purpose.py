"""assets: a purpose (portrait, background, logo, music, narration); video assets

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("assets", schema=None) as batch_op:
        # before purposes, every image was a portrait and every audio file narration
        batch_op.add_column(sa.Column("purpose", sa.String(16), nullable=False, server_default="portrait"))
    op.execute("UPDATE assets SET purpose = 'narration' WHERE kind = 'audio'")


def downgrade() -> None:
    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.drop_column("purpose")
