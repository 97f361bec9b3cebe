"""Every msgid the gradebook uses has its Russian translation (Babel extraction over code and templates)."""
from __future__ import annotations

from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

PLUGIN = Path(__file__).resolve().parents[3] / "plugins" / "gradebook"
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n", "silent": "false"}}
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}


def used_msgids() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(PLUGIN, METHODS, OPTIONS, KEYWORDS):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_msgid_has_a_russian_translation():
    with (PLUGIN / "translations" / "ru" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh)
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id and m.string}
    missing = sorted(used_msgids() - translated)
    assert not missing, "no Russian for: " + "; ".join(missing)


def test_plural_forms_are_russian():
    text = (PLUGIN / "translations" / "ru" / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    assert "nplurals=3" in text and "charset=utf-8" in text.lower()
