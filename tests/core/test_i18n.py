"""The interface is Russian first: every msgid used in code and templates has its Russian translation."""
from __future__ import annotations

from pathlib import Path

import pytest

from core.i18n_tools import missing_translations
from core.plugins import discover

PARTS = {"core": Path(__file__).resolve().parents[2] / "core"}
PARTS.update({name: Path(module.__file__).parent for name, module in discover().items()
              if Path(module.__file__).parent.parent.name == "plugins"})


@pytest.mark.parametrize("part", sorted(PARTS))
def test_every_message_has_a_russian_translation(part):
    missing = missing_translations(PARTS[part])
    assert not missing, f"{part}: no Russian for {missing} (run `klass i18n update --plugin {part}`)"


def test_pages_are_in_russian(login_as):
    page = login_as("deputy").get("/school/").text
    assert "Учебный год" in page and "Педагогическая нагрузка" in page
    assert "Teaching assignments" not in page



def test_one_english_message_has_one_russian_wording_everywhere():
    """All catalogs are merged into one domain: the same msgid translated differently in two plugins
    would show whichever loaded last (a job page saying «Проведены» instead of «Готово»)."""
    from babel.messages.pofile import read_po

    from core.i18n_tools import po_path

    wordings: dict[str, dict[str, str]] = {}
    for part, directory in PARTS.items():
        path = po_path(directory)
        if not path.exists():
            continue
        for message in read_po(path.open("rb"), locale="ru"):
            if message.id and message.string:
                msgid = message.id if isinstance(message.id, str) else message.id[0]
                wordings.setdefault(msgid, {})[part] = str(message.string)
    clashes = {m: parts for m, parts in wordings.items() if len(set(parts.values())) > 1}
    assert not clashes, clashes
