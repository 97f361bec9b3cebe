"""Every message of the print archive has its Russian translation (the catalog is the UI's Russian)."""
from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

PLUGIN = Path(__file__).resolve().parents[3] / "plugins" / "print_archive"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}
METHODS = [("**/translations/**", "ignore"), ("**/migrations/**", "ignore"), ("**.py", "python"),
           ("**/templates/**.html", "jinja2")]


def test_every_message_has_a_russian_translation():
    with (PLUGIN / "translations" / "ru" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale="ru")
    missing = []
    for _file, _line, message, _comments, _context in extract_from_dir(str(PLUGIN), METHODS, keywords=KEYWORDS):
        found = catalog.get(message)
        if found is None or not found.string or (isinstance(found.string, tuple) and not all(found.string)):
            missing.append(message)
    assert not missing
