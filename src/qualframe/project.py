"""Opening, creating and migrating projects.

A project is a folder with a ``qualframe.toml`` marker. By default its data live in
``qualframe.sqlite`` beside the marker; a team project names a PostgreSQL URL instead.
Commands find the project from the current folder upwards, as git does.
"""

from __future__ import annotations

import json
import sqlite3
import tomllib
from contextlib import closing, contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event, inspect, select, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from .errors import ProjectNotFound, QualframeError
from .store import ProjectInfo, Revision, User, get_or_create_named, new_guid

MARKER = "qualframe.toml"
SQLITE_NAME = "qualframe.sqlite"
BACKUP_DIR = "backups"
MIGRATIONS = Path(__file__).parent / "migrations"


# built once: every request reads the first, every write runs the second
_REVISION_NUMBER = select(Revision.number).where(Revision.id == 1)
_BUMP_REVISION = update(Revision).where(Revision.id == 1).values(number=Revision.number + 1).returning(Revision.number)


class Project:
    """An open project: where it lives and how to talk to its database."""

    def __init__(self, root: Path, database_url: str) -> None:
        self.root = root
        self.database_url = database_url
        self.engine = _make_engine(database_url)
        # the same connections, without a transaction around each statement (see read_once)
        self._autocommit = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._transaction: ContextVar[Session | None] = ContextVar(f"qualframe-transaction-{id(self)}", default=None)
        event.listen(self._sessions, "after_flush", _note_change)
        event.listen(self._sessions, "do_orm_execute", _note_statement_change)
        event.listen(self._sessions, "before_commit", _count_change)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed if the block completes, rolled back if it raises.

        Inside ``one_transaction()`` (in the same thread), it is that transaction instead.
        """
        joined = self._transaction.get()
        if joined is not None:
            yield joined
            return
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def one_transaction(self) -> Iterator[Session]:
        """Several library calls as one transaction: all of them are kept, or none.

        The web workbench codes a passage and reads it back for the page in one of these,
        which saves a round of begin and commit per call. Only for calls that let errors
        through: a call that catches an error from another and goes on would have the
        whole transaction rolled back under it. After the block, ``session.info
        ["revision"]`` holds the change counter's new value if anything changed.
        """
        with self.session() as session:
            token = self._transaction.set(session)
            try:
                yield session
            finally:
                self._transaction.reset(token)

    def read_once(self, statement: Any, parameters: dict[str, Any] | None = None) -> Any:
        """The first row of one read-only statement, run outside any transaction: one
        round trip to a database server instead of three (begin, the statement, end), for
        the checks the web workbench makes on every request."""
        with self._autocommit.connect() as connection:
            return connection.execute(statement, parameters or {}).first()

    def revision(self) -> int:
        """How many transactions have changed the project: open views refresh when it moves."""
        row = self.read_once(_REVISION_NUMBER)
        return row.number if row and row.number else 0

    def info(self) -> dict[str, str]:
        with self.session() as s:
            return {row.key: row.value for row in s.scalars(select(ProjectInfo))}

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "Project":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Project({str(self.root)!r})"


def _note_change(session: Session, _context: object) -> None:
    if session.new or session.dirty or session.deleted:
        session.info["changed"] = True


def _note_statement_change(state) -> None:  # type: ignore[no-untyped-def]
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info["changed"] = True


def _count_change(session: Session) -> None:
    if session.info.pop("changed", False) or session.new or session.dirty or session.deleted:
        # on the connection, not through the ORM: this runs on every write, and the ORM's
        # bulk-update machinery costs more than the statement itself
        session.info["revision"] = session.connection().execute(_BUMP_REVISION).scalar()
        session.info.pop("changed", None)


def _make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise QualframeError(f"database URL {url!r} is not valid: {exc}") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif not parsed.drivername.startswith(("sqlite", "postgresql")):
        raise QualframeError(
            f"database {parsed.drivername!r} is not supported: use SQLite (the default) or postgresql://"
        )
    engine = create_engine(parsed)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # Write-ahead logging: a commit appends to the log instead of rewriting pages through a
    # rollback journal (about a tenth of the time), and readers (another tab, the CLI
    # beside the web workbench) never wait for a writer. It needs the project on a local
    # disk, not a network share.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_url(root: Path) -> str:
    return f"sqlite:///{(root / SQLITE_NAME).resolve()}"


def _read_marker(root: Path) -> str:
    marker = root / MARKER
    try:
        config = tomllib.loads(marker.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise QualframeError(f"{marker}: cannot read project settings: {exc}") from None
    database = config.get("database", "sqlite")
    if database == "sqlite":
        return _sqlite_url(root)
    if not isinstance(database, str):
        raise QualframeError(f"{marker}: 'database' must be \"sqlite\" or a postgresql:// URL")
    return database


def find_project_root(start: Path | str | None = None) -> Path:
    """The nearest folder at or above ``start`` that holds a project marker."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / MARKER).is_file():
            return folder
    raise ProjectNotFound(
        f"no qualframe project in {here} or any folder above it "
        f"(create one with 'qualframe init', or name one with --project)"
    )


def _alembic_config(connection=None) -> Config:  # type: ignore[no-untyped-def]
    """Alembic's settings, made in code: the migrations ship inside the package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _upgrade(engine: Engine) -> None:
    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), "head")


def init_project(
    directory: Path | str = ".", database_url: str | None = None, name: str | None = None
) -> Project:
    """Create a project in ``directory`` (SQLite there, or the PostgreSQL database named)."""
    root = Path(directory).resolve()
    if (root / MARKER).exists():
        raise QualframeError(f"{root} already holds a qualframe project ({MARKER})")
    if root.exists() and not root.is_dir():
        raise QualframeError(f"{root} is a file, not a folder")
    url = database_url or _sqlite_url(root)
    engine = _make_engine(url)
    try:
        if engine.dialect.name == "sqlite":
            if (root / SQLITE_NAME).exists():
                raise QualframeError(f"{root / SQLITE_NAME} already exists; move it away first")
        else:
            with engine.connect() as connection:
                if "project_info" in inspect(connection).get_table_names():
                    raise QualframeError(
                        f"the database {make_url(url).render_as_string(hide_password=True)} "
                        "already holds a qualframe project; use an empty database"
                    )
        root.mkdir(parents=True, exist_ok=True)
        _upgrade(engine)
    except OperationalError as exc:
        raise QualframeError(f"cannot reach the database: {exc.orig}") from None
    finally:
        engine.dispose()
    marker_db = "sqlite" if database_url is None else database_url
    (root / MARKER).write_text(
        "# qualframe project settings\n"
        f"database = {json.dumps(marker_db)}\n",
        encoding="utf-8",
    )
    project = Project(root, url)
    with project.session() as s:
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        s.add_all(
            [
                ProjectInfo(key="name", value=name or root.name),
                ProjectInfo(key="guid", value=new_guid()),
                ProjectInfo(key="created", value=now),
            ]
        )
    return project


def open_project(path: Path | str | None = None, *, upgrade: bool = True) -> Project:
    """Open the project at or above ``path``.

    A SQLite project whose schema is older than this version of qualframe is copied
    to ``backups/`` and migrated; a PostgreSQL one must be migrated explicitly.
    """
    root = find_project_root(path)
    url = _read_marker(root)
    project = Project(root, url)
    try:
        current = current_revision(project.engine)
    except OperationalError as exc:
        project.close()
        raise QualframeError(f"cannot open the project database: {exc.orig}") from None
    head = head_revision()
    if current != head:
        if current is not None and current not in _known_revisions():
            project.close()
            raise QualframeError(
                f"the project was written by a newer qualframe (schema {current}); upgrade qualframe"
            )
        if project.is_sqlite and upgrade:
            backup_sqlite(project, reason=f"before-migration-to-{head}")
            _upgrade(project.engine)
        elif not project.is_sqlite:
            project.close()
            raise QualframeError(
                "the project database needs migrating to this version of qualframe: "
                "run 'qualframe migrate' (back the database up first)"
            )
    return project


def _known_revisions() -> set[str]:
    return {rev.revision for rev in ScriptDirectory.from_config(_alembic_config()).walk_revisions()}


def backup_sqlite(project: Project, reason: str = "backup") -> Path:
    """Copy the SQLite file aside into the project's ``backups/`` folder."""
    database = Path(make_url(project.database_url).database or "")
    folder = project.root / BACKUP_DIR
    folder.mkdir(exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    target = folder / f"{database.stem}-{stamp}-{reason}.sqlite"
    project.engine.dispose()
    # SQLite's online backup, not a file copy: with write-ahead logging, recent commits
    # may still sit in the -wal file beside the database
    with closing(sqlite3.connect(database)) as source, closing(sqlite3.connect(target)) as copy:
        source.backup(copy)
    return target


def migrate_project(path: Path | str | None = None) -> tuple[str | None, str]:
    """Bring the project's schema up to date; returns (revision before, revision after)."""
    root = find_project_root(path)
    project = Project(root, _read_marker(root))
    try:
        before = current_revision(project.engine)
        head = head_revision()
        if before != head:
            if project.is_sqlite:
                backup_sqlite(project, reason=f"before-migration-to-{head}")
            _upgrade(project.engine)
        return before, head
    finally:
        project.close()


def get_or_create_user(session: Session, name: str) -> User:
    return get_or_create_named(session, User, name, "coder")
