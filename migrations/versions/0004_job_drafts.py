"""drafts: a final job names the draft it came from, a draft names its final (at most one)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("draft_of", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("final_job_id", sa.String(length=40), nullable=True))
        batch_op.create_unique_constraint("uq_jobs_final_job_id", ["final_job_id"])


def downgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_constraint("uq_jobs_final_job_id", type_="unique")
        batch_op.drop_column("final_job_id")
        batch_op.drop_column("draft_of")
