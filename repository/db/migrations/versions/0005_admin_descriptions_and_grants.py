"""Arabic descriptions of communities and collections; collections granted to submitters

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("communities", "collections"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("description_ar", sa.Text(), nullable=False, server_default=""))
    op.create_table(
        "collection_grants",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("collection_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_collection_grants_user_id_users", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["collection_id"],
            ["collections.id"],
            name="fk_collection_grants_collection_id_collections",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "collection_id", name="pk_collection_grants"),
    )


def downgrade() -> None:
    op.drop_table("collection_grants")
    for table in ("collections", "communities"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("description_ar")
