"""indexes for the search outbox and OAI-PMH list counts

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    behind = sa.text("indexed_version < version")
    op.create_index("ix_items_index_outbox", "items", ["id"], sqlite_where=behind, postgresql_where=behind)
    op.create_index("ix_items_status_datestamp", "items", ["status", "datestamp"])


def downgrade() -> None:
    op.drop_index("ix_items_status_datestamp", table_name="items")
    op.drop_index("ix_items_index_outbox", table_name="items")
