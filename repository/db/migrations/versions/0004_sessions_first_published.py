"""server-side sign-in sessions, and when each item first became public

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# An existing item counts as once public when it is public now, was ever withdrawn (only a
# published item can be), or was published while its visibility is public.
BACKFILL = """
UPDATE items SET first_published = COALESCE(
    (SELECT MIN(v.at) FROM versions v WHERE v.item_id = items.id AND v.action = 'publish'), datestamp)
WHERE (status = 'published' AND visibility = 'public')
   OR EXISTS (SELECT 1 FROM versions v WHERE v.item_id = items.id AND v.action = 'withdraw')
   OR (visibility = 'public' AND EXISTS (SELECT 1 FROM versions v WHERE v.item_id = items.id AND v.action = 'publish'))
"""


def upgrade() -> None:
    op.create_table(
        "user_sessions",
        sa.Column("id_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("last_seen", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_user_sessions_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id_hash", name="pk_user_sessions"),
    )
    op.create_index("ix_user_sessions_user_id", "user_sessions", ["user_id"])
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("first_published", sa.DateTime(), nullable=True))
    op.execute(BACKFILL)


def downgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.drop_column("first_published")
    op.drop_index("ix_user_sessions_user_id", table_name="user_sessions")
    op.drop_table("user_sessions")
