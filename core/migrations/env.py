"""Alembic environment shared by the core and every plugin.

``core.migrate`` runs it once for the core (version table ``alembic_version``) and once per enabled
plugin (version table ``alembic_version_<plugin>``, revisions in ``plugins/<plugin>/migrations``). Separate
version tables are what let a school switch a plugin off, or remove it, without breaking an upgrade.
"""
from __future__ import annotations

from alembic import context

config = context.config
connection = config.attributes["connection"]
prefix = config.attributes["table_prefix"]


def include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    """Autogenerate sees only the tables of the part being migrated (core_* or <plugin>_*)."""
    if type_ == "table":
        return name.startswith(prefix)
    table = getattr(obj, "table", None)
    return table is None or table.name.startswith(prefix)


context.configure(
    connection=connection,
    target_metadata=config.attributes["metadata"],
    version_table=config.attributes["version_table"],
    include_object=include_object,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
