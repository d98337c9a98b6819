"""Whether a database's schema is the one this code was written for: the revision in its ``alembic_version``
against the migrations' head. /healthz reads it with one query, so a farm whose database was never migrated, is
not migrated yet (a rolling upgrade: new image, old schema), or was migrated by a newer release (this one rolled
back) does not look healthy while its requests fail."""

from __future__ import annotations

import dataclasses
import enum
import functools

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from domain.db import MIGRATIONS_DIR

_VERSION_QUERY = sa.text("SELECT version_num FROM alembic_version")
#: PostgreSQL's undefined_table
_UNDEFINED_TABLE = "42P01"


class SchemaState(enum.Enum):
    CURRENT = "current"
    #: older than the code: `talkfarm db upgrade` has not run (yet)
    BEHIND = "behind"
    #: a revision the code does not know: a newer release migrated the database
    AHEAD = "ahead"
    #: no alembic_version: never migrated, or not a talkfarm database
    UNKNOWN = "unknown"


@dataclasses.dataclass(frozen=True)
class SchemaRevision:
    state: SchemaState
    #: what alembic_version holds (one revision unless the migrations branch)
    database: frozenset[str]
    #: the migrations' head(s), what this code needs
    code: frozenset[str]

    @property
    def problem_code(self) -> str:
        """The stable code the API answers with (503) while the schema is not at the code's head."""
        return f"database_schema_{self.state.value}"

    @property
    def detail(self) -> str:
        have, need = ", ".join(sorted(self.database)), ", ".join(sorted(self.code))
        if self.state is SchemaState.UNKNOWN:
            return f"The database has no schema revision (no alembic_version); this release needs {need}. Run `talkfarm db upgrade`."
        if self.state is SchemaState.AHEAD:
            return (
                f"The database's schema is at revision {have}, newer than this release knows (it needs {need}): a "
                "newer release migrated it. Run that release, or move the schema back before running this one."
            )
        if self.state is SchemaState.BEHIND:
            return f"The database's schema is at revision {have}; this release needs {need}. Run `talkfarm db upgrade`."
        return f"The database's schema is at revision {have}, this release's."


@functools.cache
def _script() -> ScriptDirectory:
    return ScriptDirectory(str(MIGRATIONS_DIR))


@functools.cache
def code_heads() -> frozenset[str]:
    """The revision(s) this code's migrations end at; read from the files once per process."""
    return frozenset(_script().get_heads())


@functools.cache
def _known_revisions() -> frozenset[str]:
    return frozenset(script.revision for script in _script().walk_revisions())


def _no_version_table(error: sa_exc.DBAPIError) -> bool:
    orig = error.orig
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return sqlstate == _UNDEFINED_TABLE or "no such table: alembic_version" in str(orig)


def schema_revision(session: Session) -> SchemaRevision:
    """The database's schema revision against the code's, in one query. Raises what the database raises when it
    cannot be reached."""
    try:
        database = frozenset(session.execute(_VERSION_QUERY).scalars())
    except (sa_exc.ProgrammingError, sa_exc.OperationalError) as error:
        if not _no_version_table(error):
            raise
        database = frozenset()
    code = code_heads()
    if not database:
        state = SchemaState.UNKNOWN
    elif database == code:
        state = SchemaState.CURRENT
    elif database - _known_revisions():
        state = SchemaState.AHEAD
    else:
        state = SchemaState.BEHIND
    return SchemaRevision(state, database, code)
