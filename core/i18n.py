"""Russian first: catalogs of the core and of each enabled plugin, compiled when they change."""
from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

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


# --- fast paths for the pages opened most (issue 20) -------------------------------------------------------

def install_fast_formatting(app: Any) -> None:
    """Cheaper ``_()``/``ngettext()`` and ``|dateformat`` in templates, same results.

    Why: Flask-Babel looks the domain, the locale and the catalog up again on every ``_()`` of a template
    (about 25 µs each, some 25 per page), and formats a date from scratch on every ``|dateformat``. Here
    the catalog is fetched once per locale (``get_locale()`` still decides, so ``force_locale`` works)
    and a date's text is kept per (date, pattern, locale): dates repeat on every page of a week."""
    from flask_babel import get_locale, get_translations

    catalogs: dict[str, Any] = {}

    def translations() -> Any:
        key = str(get_locale())
        found = catalogs.get(key)
        if found is None:
            found = get_translations()
            if getattr(found, "_catalog", None):  # never keep the empty catalogue of a context-less call
                catalogs[key] = found
        return found

    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
    )
    app.jinja_env.filters["dateformat"] = format_date_cached


def format_date_cached(value: Any, format: str | None = None) -> str:  # noqa: A002  (Flask-Babel's name)
    """Flask-Babel's ``format_date`` for a ``date``, remembered per (date, pattern, locale); datetimes
    (which need the time zone) and named formats go to Flask-Babel as before."""
    from datetime import date, datetime

    from flask_babel import format_date, get_locale

    if type(value) is not date or format is None or format in ("short", "medium", "long", "full"):
        return format_date(value, format) if format else format_date(value)
    if isinstance(value, datetime):
        return format_date(value, format)
    return _date_text(value, format, str(get_locale()))


@lru_cache(maxsize=8192)
def _date_text(value: Any, pattern: str, locale: str) -> str:
    from babel.dates import format_date

    return format_date(value, pattern, locale=locale)



_WORDS: dict[tuple[str, str], Any] = {}


def words_once(name: str, build: Any) -> Any:
    """The fixed words of a page part (``build()`` returns them, translated), built once per locale and
    process and kept under ``name``.

    Why: a ``_()`` in a template costs three calls through Jinja's and Flask-Babel's gettext wrappers,
    and the pages opened most (the layout around every page, the diary week) have dozens (issue 20)."""
    from flask_babel import get_locale

    key = (name, str(get_locale()))
    found = _WORDS.get(key)
    if found is None:
        found = _WORDS[key] = build()
    return found
