"""``klass backup FILE`` and ``klass restore FILE``: the whole school in one archive, and back.

The archive is a tar file holding ``manifest.json``, the database and the stored files folder
(``<instance>/files``, when a plugin keeps uploads there; most keep them as database blobs):

* SQLite: ``database.sqlite3``, made with SQLite's online backup API, which copies a consistent snapshot
  *including* what still sits in the write-ahead log (copying the file alone loses it) while the
  school keeps working.
* PostgreSQL: ``database.pgdump``, ``pg_dump --format=custom``; restored with ``pg_restore``. Both tools
  must be at least the server's major version (checked first, with a clear message).

Restore goes only into an EMPTY database, so a backup can never be mixed into a live school.
"""
from __future__ import annotations

import hashlib
import io
import json
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import URL, Engine


class BackupError(RuntimeError):
    """Refused or failed: the message is in Russian and English."""


def _pg_url(url: URL) -> str:
    """The URL as libpq (pg_dump, pg_restore) reads it: no SQLAlchemy driver suffix."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _tool_major(tool: str) -> int:
    if shutil.which(tool) is None:
        raise BackupError(f"Не найдена программа {tool}: установите клиент PostgreSQL. / {tool} is not installed.")
    out = subprocess.run([tool, "--version"], capture_output=True, text=True, check=True).stdout
    return int(out.split()[-1].split(".")[0].split("beta")[0].split("rc")[0])


def _check_pg_tool(engine: Engine, tool: str) -> None:
    with engine.connect() as conn:
        server = int(conn.exec_driver_sql("SHOW server_version_num").scalar_one()) // 10000
    if _tool_major(tool) < server:
        raise BackupError(f"{tool} версии {_tool_major(tool)} старше сервера PostgreSQL {server}: установите "
                          f"клиент версии {server} или новее. / {tool} is older than the server ({server}).")


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("База SQLite в памяти не сохраняется. / An in-memory SQLite database cannot be backed up.")
    return Path(url.database)


def _files_checksums(folder: Path) -> dict[str, str]:
    if not folder.is_dir():
        return {}
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def backup(engine: Engine, target: Path, files_dir: Path) -> dict[str, object]:
    """Write the archive to ``target``; return its manifest."""
    url = engine.url
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if url.get_backend_name() == "sqlite":
            name = "database.sqlite3"
            source = sqlite3.connect(_sqlite_path(url))
            copy = sqlite3.connect(work / name)
            try:
                source.backup(copy)  # the online backup API: a consistent copy with the WAL's pages in it
            finally:
                copy.close()
                source.close()
        elif url.get_backend_name() == "postgresql":
            name = "database.pgdump"
            _check_pg_tool(engine, "pg_dump")
            done = subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                                   f"--file={work / name}", _pg_url(url)], capture_output=True, text=True)
            if done.returncode:
                raise BackupError(f"pg_dump не удался / pg_dump failed: {done.stderr.strip()}")
        else:
            raise BackupError(f"Неизвестная СУБД / unsupported database: {url.get_backend_name()}")
        manifest = {"format": 1, "engine": url.get_backend_name(), "database": name,
                    "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "database_sha256": hashlib.sha256((work / name).read_bytes()).hexdigest(),
                    "files": _files_checksums(files_dir)}
        target.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(target, "w:gz") as tar:
            data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            tar.add(work / name, arcname=name)
            if files_dir.is_dir():
                tar.add(files_dir, arcname="files")
    return manifest


def is_empty(engine: Engine) -> bool:
    return not inspect(engine).get_table_names()


def restore(engine: Engine, archive: Path, files_dir: Path) -> dict[str, object]:
    """Restore ``archive`` into the (empty) database of ``engine`` and the files folder; return the manifest."""
    if not is_empty(engine):
        raise BackupError("База данных не пуста: восстановление выполняется только в пустую базу (создайте новую "
                          "и укажите её в DATABASE_URL). / The database is not empty: restore only into an empty one.")
    if files_dir.is_dir() and any(files_dir.iterdir()):
        raise BackupError(f"Папка файлов {files_dir} не пуста. / The files folder {files_dir} is not empty.")
    with tempfile.TemporaryDirectory() as tmp, tarfile.open(archive, "r:gz") as tar:
        work = Path(tmp)
        tar.extractall(work, filter="data")
        manifest = json.loads((work / "manifest.json").read_text())
        backend = engine.url.get_backend_name()
        if manifest["engine"] != backend:
            raise BackupError(f"Копия сделана из {manifest['engine']}, а база — {backend}. / "
                              f"The backup is of {manifest['engine']}, the database is {backend}.")
        dump = work / manifest["database"]
        if hashlib.sha256(dump.read_bytes()).hexdigest() != manifest["database_sha256"]:
            raise BackupError("Архив повреждён: контрольная сумма базы не совпадает. / The archive is damaged.")
        if backend == "sqlite":
            engine.dispose()
            source = sqlite3.connect(dump)
            target = sqlite3.connect(_sqlite_path(engine.url))
            try:
                source.backup(target)
            finally:
                target.close()
                source.close()
        else:
            _check_pg_tool(engine, "pg_restore")
            engine.dispose()
            done = subprocess.run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
                                   f"--dbname={_pg_url(engine.url)}", str(dump)], capture_output=True, text=True)
            if done.returncode:
                raise BackupError(f"pg_restore не удался / pg_restore failed: {done.stderr.strip()}")
        if (work / "files").is_dir():
            files_dir.mkdir(parents=True, exist_ok=True)
            shutil.copytree(work / "files", files_dir, dirs_exist_ok=True)
        restored = _files_checksums(files_dir)
        if restored != manifest["files"]:
            raise BackupError("Файлы восстановлены не полностью. / The stored files do not match the backup.")
    return manifest


