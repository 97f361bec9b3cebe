"""Every msgid of the plugin (Python sources and templates, extracted with Babel) has its Russian."""
from __future__ import annotations

from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir

PLUGIN_DIR = Path(__file__).resolve().parents[3] / "plugins" / "attendance"
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}


def plugin_msgids(directory: Path = PLUGIN_DIR) -> set[str]:
    method_map = [("**/migrations/**.py", "ignore"), ("**.py", "python"), ("**/templates/**.html", "jinja2")]
    found: set[str] = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(directory), method_map, options_map={"**/templates/**.html": {}}, keywords=KEYWORDS
    ):
        for part in message if isinstance(message, tuple) else (message,):
            if part:
                found.add(part)
    return found



def test_every_msgid_has_a_russian_translation():
    from babel.messages.pofile import read_po

    with (PLUGIN_DIR / "translations" / "ru" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh)
    translated = {m.id for m in catalog if m.id and m.string}
    missing = sorted(plugin_msgids() - translated)
    assert not missing, f"msgids without a Russian translation: {missing}"
    assert "Отметка посещаемости" in {m.string for m in catalog}


def test_pages_speak_russian(login_as):
    page = login_as("class_teacher").get("/attendance/")
    assert page.status_code == 200
    assert "Посещаемость" in page.text and "Непроверенные недели" in page.text
