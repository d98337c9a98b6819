"""The jobs list's search: ``q`` in a job's title or in one of its metadata's values (at any depth), never in
a key, case-insensitively, the same on PostgreSQL and SQLite.

Matching the metadata's JSON text would also match its keys (``{"zebra_key": "plain"}`` for "zebra") and
its punctuation; each database walks the document's leaves instead (PostgreSQL's ``jsonb_path_query`` with
``strict $.**``, SQLite's ``json_tree``) and compares only strings, numbers and booleans, as text.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from domain.models import Job

#: JSON types whose value is text a person searched for (objects and arrays are walked into, not matched)
LEAF_TYPES = ("string", "number", "boolean")  # PostgreSQL's jsonb_typeof names
SQLITE_CONTAINERS = ("object", "array")  # json_tree's ``type`` of the rows that are not leaves


def matching(q: str, dialect: str) -> sa.ColumnElement[bool]:
    """Jobs whose title or a metadata value contains ``q`` (LIKE's wildcards in ``q`` are text)."""
    pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return sa.or_(Job.title.ilike(pattern, escape="\\"), _a_metadata_value(pattern, dialect))


def _a_metadata_value(pattern: str, dialect: str) -> sa.ColumnElement[bool]:
    if dialect == "postgresql":
        leaf = sa.func.jsonb_path_query(
            sa.cast(Job.metadata_, JSONB), sa.literal_column("'strict $.**'::jsonpath")
        ).column_valued("leaf")
        text = leaf.op("#>>", precedence=15)(sa.literal_column("'{}'"))  # the scalar as text, unquoted
        return sa.exists().where(sa.func.jsonb_typeof(leaf).in_(LEAF_TYPES), text.ilike(pattern, escape="\\"))
    tree = sa.func.json_tree(Job.metadata_).table_valued("type", "atom")
    return sa.exists().where(tree.c.type.not_in(SQLITE_CONTAINERS), tree.c.atom.ilike(pattern, escape="\\"))
