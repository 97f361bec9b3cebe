"""Schema migrations: the core first, then each plugin in requirement order, each with its own history."""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection, Engine

from core.db import Base

# The Alembic environment lives inside the package so an installed wheel carries it.
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
CORE_VERSIONS = MIGRATIONS / "versions"


def _config(connection: Connection, part: str, versions: Path) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("version_locations", str(versions))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["connection"] = connection
    cfg.attributes["metadata"] = Base.metadata
    cfg.attributes["table_prefix"] = "core_" if part == "core" else f"{part}_"
    cfg.attributes["version_table"] = "alembic_version" if part == "core" else f"alembic_version_{part}"
    return cfg


def parts(plugin_dirs: Iterable[tuple[str, Path]]) -> list[tuple[str, Path]]:
    """The core, then the plugins that ship migrations (in the order given: requirements first)."""
    return [("core", CORE_VERSIONS)] + [(n, d) for n, d in plugin_dirs if d.is_dir() and any(d.glob("*.py"))]


def upgrade(engine: Engine, plugin_dirs: Iterable[tuple[str, Path]]) -> None:
    """Bring the core and the given plugins to their newest revision; other plugins' tables are left alone."""
    for part, versions in parts(plugin_dirs):
        with engine.begin() as connection:
            command.upgrade(_config(connection, part, versions), "heads")


def revision(engine: Engine, part: str, versions: Path, message: str, autogenerate: bool = True) -> None:
    versions.mkdir(parents=True, exist_ok=True)
    with engine.begin() as connection:
        cfg = _config(connection, part, versions)
        kwargs = {} if any(versions.glob("*.py")) else {"branch_label": part}
        command.revision(cfg, message=message, autogenerate=autogenerate, **kwargs)


def current(engine: Engine, plugin_dirs: Iterable[tuple[str, Path]]) -> dict[str, str | None]:
    from alembic.runtime.migration import MigrationContext

    heads: dict[str, str | None] = {}
    with engine.connect() as connection:
        for part, _versions in parts(plugin_dirs):
            table = "alembic_version" if part == "core" else f"alembic_version_{part}"
            ctx = MigrationContext.configure(connection, opts={"version_table": table})
            heads[part] = ctx.get_current_revision()
    return heads
