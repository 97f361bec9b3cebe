"""Russian first: catalogs of the core and of each enabled plugin, compiled when they change."""
from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

log = logging.getLogger("klass.i18n")
CORE_TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def compile_catalogs(directories: Iterable[Path]) -> None:
    """Compile every ``.po`` whose ``.mo`` is missing or older (so a fresh clone needs no extra step)."""
    for directory in directories:
        for po_path in directory.glob("*/LC_MESSAGES/*.po"):
            mo_path = po_path.with_suffix(".mo")
            if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                continue
            try:
                with po_path.open("rb") as fh:
                    catalog = read_po(fh)
                with mo_path.open("wb") as fh:
                    write_mo(fh, catalog)
            except OSError as exc:  # a read-only install ships compiled catalogs
                log.warning("cannot compile %s: %s", po_path, exc)


def translation_directories(plugin_paths: Iterable[Path]) -> list[Path]:
    dirs = [CORE_TRANSLATIONS]
    dirs += [p / "translations" for p in plugin_paths if (p / "translations").is_dir()]
    return dirs
