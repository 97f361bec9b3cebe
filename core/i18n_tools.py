"""Keeping catalogs complete: extract a part's msgids with Babel and merge them into its ru catalog.

Used by ``klass i18n update`` and by the test that fails when a msgid has no Russian translation.
"""
from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None,
            "lazy_ngettext": (1, 2)}
METHODS = [("**/translations/**", "ignore"), ("**/migrations/**", "ignore"), ("**.py", "python"),
           ("**/templates/**.html", "jinja2")]
PLURAL_FORMS = ("nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
                "(n%100<10 || n%100>=20) ? 1 : 2);")


def extract(directory: Path) -> Catalog:
    catalog = Catalog(locale="ru")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(directory), METHODS, keywords=KEYWORDS, options_map={"**/templates/**.html": {"encoding": "utf-8"}}
    ):
        catalog.add(message, locations=[(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def po_path(directory: Path) -> Path:
    return directory / "translations" / "ru" / "LC_MESSAGES" / "messages.po"


def missing_translations(directory: Path) -> list[str]:
    """msgids used in ``directory`` that its ru catalog does not translate."""
    extracted = extract(directory)
    path = po_path(directory)
    existing = read_po(path.open("rb"), locale="ru") if path.exists() else Catalog(locale="ru")
    missing = []
    for message in extracted:
        if not message.id:
            continue
        found = existing.get(message.id)
        text = found.string if found else None
        if not text or (isinstance(text, tuple) and not all(text)):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def update(directory: Path, translations: dict[str, str] | None = None) -> list[str]:
    """Merge new msgids into the ru catalog (keeping existing translations); return the untranslated."""
    extracted = extract(directory)
    path = po_path(directory)
    path.parent.mkdir(parents=True, exist_ok=True)
    existing = read_po(path.open("rb"), locale="ru") if path.exists() else Catalog(locale="ru")
    catalog = Catalog(locale="ru", project="Klass", version="0.1", charset="utf-8", fuzzy=False,
                      copyright_holder="Klass contributors", msgid_bugs_address="",
                      header_comment="# Russian translations of Klass (msgids in English, the UI in Russian).")
    for message in extracted:
        if not message.id:
            continue
        old = existing.get(message.id)
        string = old.string if old and old.string else (translations or {}).get(message.id, "")
        catalog.add(message.id, string=string, locations=message.locations)
    with path.open("wb") as fh:
        write_po(fh, catalog, width=100, omit_header=False, sort_output=True)
    return missing_translations(directory)
