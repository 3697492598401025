"""The project store on SQLite and on PostgreSQL: create, find, open, migrate."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import inspect

import qualframe as qf
from qualframe.project import MARKER, SQLITE_NAME, backup_sqlite, current_revision, head_revision


def test_init_creates_schema_and_project_info(project):
    info = project.info()
    assert info["name"] == "study"
    assert len(info["guid"]) == 36
    tables = set(inspect(project.engine).get_table_names())
    assert {"sources", "turns", "cases", "variables", "case_values", "codes", "codings", "notes", "summaries", "users"} <= tables
    assert current_revision(project.engine) == head_revision()


def test_project_found_from_subfolder(project, monkeypatch):
    sub = project.root / "transcripts" / "batch1"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    assert qf.find_project_root() == project.root
    with qf.open_project() as again:
        assert again.info()["guid"] == project.info()["guid"]


def test_no_project_is_a_clear_error(tmp_path):
    with pytest.raises(qf.ProjectNotFound, match="no qualframe project"):
        qf.open_project(tmp_path)


def test_init_twice_refused(project):
    with pytest.raises(qf.QualframeError, match="already holds a qualframe project"):
        qf.init_project(project.root)


def test_init_on_a_database_that_holds_a_project_is_refused(tmp_path, postgres_url):
    qf.init_project(tmp_path / "a", postgres_url).close()
    with pytest.raises(qf.QualframeError, match="already holds a qualframe project"):
        qf.init_project(tmp_path / "b", postgres_url)
    assert not (tmp_path / "b" / MARKER).exists()


def test_unreachable_postgres_is_a_clear_error(tmp_path):
    with pytest.raises(qf.QualframeError, match="cannot reach the database"):
        qf.init_project(tmp_path / "x", "postgresql://nobody@127.0.0.1:1/none")
    assert not (tmp_path / "x" / MARKER).exists()


def test_unsupported_database_refused(tmp_path):
    with pytest.raises(qf.QualframeError, match="not supported"):
        qf.init_project(tmp_path / "x", "mysql://u@localhost/db")


def test_sqlite_is_migrated_automatically_with_a_backup(tmp_path):
    qf.init_project(tmp_path / "s").close()
    db = tmp_path / "s" / SQLITE_NAME
    with sqlite3.connect(db) as conn:  # pretend the project was made by an older version
        conn.execute("UPDATE alembic_version SET version_num = 'older'")
    with pytest.raises(qf.QualframeError, match="newer qualframe"):
        qf.open_project(tmp_path / "s")
    # A database with no schema yet stands for one written before the first migration.
    db.unlink()
    sqlite3.connect(db).close()
    with qf.open_project(tmp_path / "s") as project:
        assert current_revision(project.engine) == head_revision()
        assert "summaries" in inspect(project.engine).get_table_names()
    backups = list((tmp_path / "s" / "backups").glob("*.sqlite"))
    assert len(backups) == 1 and "before-migration" in backups[0].name


def test_sqlite_backup_holds_commits_still_in_the_write_ahead_log(tmp_path):
    project = qf.init_project(tmp_path / "w")
    db = tmp_path / "w" / SQLITE_NAME
    reader = sqlite3.connect(db)  # another program with the project open: the log is not folded back
    reader.execute("SELECT count(*) FROM cases").fetchone()
    qf.add_case(project, "P07")
    assert (tmp_path / "w" / f"{SQLITE_NAME}-wal").stat().st_size > 0
    copy = backup_sqlite(project, reason="test")
    with sqlite3.connect(copy) as conn:
        assert conn.execute("SELECT name FROM cases").fetchall() == [("P07",)]
    assert sqlite3.connect(db).execute("PRAGMA journal_mode").fetchone() == ("wal",)
    reader.close()
    project.close()


def test_postgres_needs_explicit_migrate(tmp_path, postgres_url):
    import psycopg

    qf.init_project(tmp_path / "pg", postgres_url).close()
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    with pytest.raises(qf.QualframeError, match="qualframe migrate"):
        qf.open_project(tmp_path / "pg")
    before, after = qf.migrate_project(tmp_path / "pg")
    assert before is None and after == head_revision()
    with qf.open_project(tmp_path / "pg") as project:
        assert current_revision(project.engine) == head_revision()


def _downgrade_to_first_schema(project) -> None:
    from alembic import command

    from qualframe.project import _alembic_config

    with project.engine.begin() as connection:
        command.downgrade(_alembic_config(connection), "0001")


def test_sqlite_project_from_the_first_schema_is_upgraded_on_open(tmp_path):
    project = qf.init_project(tmp_path / "old")
    _downgrade_to_first_schema(project)
    assert "factors" not in inspect(project.engine).get_table_names()
    project.close()
    with qf.open_project(tmp_path / "old") as reopened:
        assert current_revision(reopened.engine) == head_revision()
        assert "factors" in inspect(reopened.engine).get_table_names()
    assert len(list((tmp_path / "old" / "backups").glob("*before-migration*.sqlite"))) == 1


def test_postgres_project_from_the_first_schema_needs_migrate(tmp_path, postgres_url):
    project = qf.init_project(tmp_path / "pg", postgres_url)
    _downgrade_to_first_schema(project)
    project.close()
    with pytest.raises(qf.QualframeError, match="qualframe migrate"):
        qf.open_project(tmp_path / "pg")
    assert qf.migrate_project(tmp_path / "pg") == ("0001", head_revision())
    with qf.open_project(tmp_path / "pg") as reopened:
        assert "factors" in inspect(reopened.engine).get_table_names()
