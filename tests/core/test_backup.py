"""``klass backup`` / ``klass restore``: the demo school (with what sits in SQLite's WAL) comes back
byte-identical table by table, with its stored files; a non-empty database is refused. Runs on
PostgreSQL when DATABASE_URL points to it."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import MetaData, create_engine, select, text
from sqlalchemy.engine import Engine, make_url

from core.backup import BackupError, backup, restore
from core.db import make_engine


def _table_digests(engine: Engine) -> dict[str, tuple[int, str]]:
    """Per table: row count and a SHA-256 of every row, ordered by primary key (blobs included as bytes)."""
    meta = MetaData()
    meta.reflect(engine)
    out = {}
    with engine.connect() as conn:
        for name, table in sorted(meta.tables.items()):
            order = list(table.primary_key.columns) or list(table.columns)
            digest = hashlib.sha256()
            rows = conn.execute(select(table).order_by(*order)).all()
            for row in rows:
                digest.update(repr(tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)).encode())
            out[name] = (len(rows), digest.hexdigest())
    return out


@pytest.fixture
def empty_engine(engine: Engine, tmp_path: Path) -> Any:
    if engine.url.get_backend_name() == "sqlite":
        target = make_engine(f"sqlite:///{tmp_path / 'restored.sqlite3'}")
        yield target
        target.dispose()
        return
    url = make_url(str(engine.url.render_as_string(hide_password=False)))
    name = f"{url.database}_restore"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    target = make_engine(url.set(database=name).render_as_string(hide_password=False))
    yield target
    target.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_backup_round_trip_is_identical_table_by_table_with_files(engine, demo_school, empty_engine, tmp_path):
    files = tmp_path / "files"
    (files / "documents").mkdir(parents=True)
    (files / "documents" / "приказ.pdf").write_bytes(b"%PDF-1.4 " + os.urandom(2048))
    # A write still in SQLite's write-ahead log when the copy starts must be in the copy.
    with engine.begin() as conn:
        conn.execute(text("UPDATE core_school SET principal_name = principal_name || ' ' WHERE id = :id"),
                     {"id": demo_school["school_id"]})
    before = _table_digests(engine)
    archive = tmp_path / "school.klass-backup"
    manifest = backup(engine, archive, files)
    assert manifest["files"] == {"documents/приказ.pdf": hashlib.sha256(
        (files / "documents" / "приказ.pdf").read_bytes()).hexdigest()}

    restored_files = tmp_path / "restored-files"
    restore(empty_engine, archive, restored_files)
    after = _table_digests(empty_engine)
    assert set(after) == set(before) and len(before) > 30
    assert [t for t in before if before[t] != after[t]] == []
    assert before["core_user"][0] > 10 and before["core_audit_entry"][0] > 0
    assert (restored_files / "documents" / "приказ.pdf").read_bytes() == (files / "documents" / "приказ.pdf").read_bytes()

    # The restored database is no longer empty: a second restore is refused, nothing touched.
    with pytest.raises(BackupError, match="База данных не пуста"):
        restore(empty_engine, archive, tmp_path / "other-files")
    assert _table_digests(empty_engine) == after


def test_restore_command_refuses_a_non_empty_database(engine, demo_school, tmp_path, monkeypatch):
    from core.cli import cli

    archive = tmp_path / "school.klass-backup"
    backup(engine, archive, tmp_path / "no-files")
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("KLASS_INSTANCE", str(tmp_path / "instance"))
    result = CliRunner().invoke(cli, ["restore", str(archive)])
    assert result.exit_code != 0
    assert "База данных не пуста: восстановление выполняется только в пустую базу" in result.output
